#!/bin/bash
# The message catalogs are complete and in step with the sources:
#   - every language of po/LINGUAS compiles (msgfmt --check) with no untranslated and
#     no fuzzy message;
#   - every message the sources contain now (extracted afresh with xgettext from the
#     files of po/POTFILES) has a translation in every language (msgcmp);
#   - po/POTFILES lists every source file that marks messages with _( or N_( ,
#     and every file it lists exists;
#   - the polkit policy meson built carries each language's <description> and <message>.
# Prints one PASS/FAIL line per check and `N passed, N failed`.
set -uo pipefail
: "${SYSREC_BUILD:?}"
SRC=${SYSREC_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
TMP=$(mktemp -d /tmp/sysrec-po.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
passed=0 failed=0
pass() { echo "PASS: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then pass "$1"; else fail "$1"; return 1; fi; }

for tool in msgfmt xgettext msgcmp; do
        command -v "$tool" >/dev/null || { fail "$tool is installed (Debian: gettext)"; }
done

mapfile -t langs < <(grep -v '^\s*\(#\|$\)' "$SRC/po/LINGUAS")
check "po/LINGUAS names at least one language" "[ ${#langs[@]} -gt 0 ]"

# The messages of the sources as they are now, with the keywords of meson's glib preset.
(cd "$SRC" && xgettext --from-code=UTF-8 --add-comments --keyword=_ --keyword=N_ \
        -f po/POTFILES -o "$TMP/now.pot") 2>"$TMP/xgettext.err"
check "xgettext extracts the messages of po/POTFILES" "[ -s '$TMP/now.pot' ]" || cat "$TMP/xgettext.err"
n_msgs=$(grep -c '^msgid ' "$TMP/now.pot")
check "the sources have translatable messages ($((n_msgs - 1)))" "[ $n_msgs -gt 50 ]"

for lang in "${langs[@]}"; do
        po=$SRC/po/$lang.po
        stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$po" 2>&1)
        rc=$?
        check "$lang.po compiles with msgfmt --check" "[ $rc -eq 0 ]" || echo "$stats"
        check "$lang.po has no fuzzy and no untranslated message ($stats)" \
                "grep -qE '^[0-9]+ translated messages?\.\$' <<<\"\$stats\""
        out=$(msgcmp "$po" "$TMP/now.pot" 2>&1)
        check "$lang.po translates every message the sources have now" "[ -z \"\$out\" ]" || echo "$out" | head -20
done

# Every file marking messages is listed; every listed file exists.
mapfile -t listed < <(grep -v '^\s*\(#\|$\)' "$SRC/po/POTFILES")
missing=()
while IFS= read -r f; do
        printf '%s\n' "${listed[@]}" | grep -qx "$f" || missing+=("$f")
done < <(cd "$SRC" && grep -rlE '(^|[^A-Za-z0-9_])N?_\("' --include='*.c' --include='*.h' src | sort)
check "po/POTFILES lists every source with _(\"...\") or N_(\"...\") ${missing[*]:+(missing: ${missing[*]})}" \
        "[ ${#missing[@]} -eq 0 ]"
gone=()
for f in "${listed[@]}"; do [ -f "$SRC/$f" ] || gone+=("$f"); done
check "every file po/POTFILES lists exists ${gone[*]:+(not found: ${gone[*]})}" "[ ${#gone[@]} -eq 0 ]"
check "po/POTFILES lists the polkit policy" "printf '%s\n' \"\${listed[@]}\" | grep -q '\.policy\.in\$'"

# The merged polkit policy: the English text plus one xml:lang copy per language.
policy=$SYSREC_BUILD/policy/org.sysrec1.policy
check "meson built the polkit policy" "[ -s '$policy' ]"
for tag in description message; do
        check "the policy keeps the untranslated <$tag>" "grep -q '<$tag>' '$policy'"
        for lang in "${langs[@]}"; do
                check "the policy has <$tag xml:lang=\"$lang\">" "grep -q '<$tag xml:lang=\"$lang\">' '$policy'"
        done
done
if printf '%s\n' "${langs[@]}" | grep -qx de; then
        check "the German description is the one of de.po" \
                "grep -q '<description xml:lang=\"de\">Systemaufrufe von Arbeitslasten aufzeichnen</description>' '$policy'"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/bin/bash
# git: a repository worked the way people do with git's own commands — init, commits
# on two branches, a merge with a conflict resolved, rebase, tag, log/diff/blame,
# stash, a local clone with a push back, gc (repack, pack-refs, prune), fsck, archive
# read back by tar, and bundle verify. Usage: git.sh DIR (DIR is made afresh). Exits
# non-zero if a command fails or a result is wrong.
set -euo pipefail
dir=$1
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
export HOME=$dir GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_DATE='2026-01-01T00:00:00Z' GIT_COMMITTER_DATE='2026-01-01T00:00:00Z'
git config --global user.name "Real World"
git config --global user.email rw@example.invalid
git config --global init.defaultBranch main
git config --global gc.auto 0
git init -q repo && cd repo
for i in $(seq 1 40); do
        printf 'line %s\n' $(seq 1 "$i") >"file$i.txt"
done
git add . && git commit -qm "forty files"
git checkout -qb topic
sed -i 's/line 3/line three/' file10.txt && git commit -qam "topic: three"
echo topic >>file1.txt && git commit -qam "topic: file1"
git checkout -q main
sed -i 's/line 3/line drei/' file10.txt && git commit -qam "main: drei"
if git merge -q topic >/dev/null 2>&1; then
        echo "git: the merge should have conflicted" >&2
        exit 1
fi
[[ "$(git diff --name-only --diff-filter=U)" == file10.txt ]]
sed -i '/^[<=>]\{7\}/d; /line three/d' file10.txt
git add file10.txt && git commit -qm "merge topic"
git tag -a v1 -m "version 1"
git checkout -qb feature v1~1
echo feature >new.txt && git add new.txt && git commit -qm "feature"
git rebase -q main
git checkout -q main && git merge -q --ff-only feature
echo dirty >>file2.txt && git stash -q && git stash pop -q && git checkout -- file2.txt
[[ "$(git log --oneline | wc -l)" == 6 ]]
git blame -s file10.txt | grep drei >/dev/null
git diff --stat v1 HEAD | grep "new.txt" >/dev/null
cd .. && git clone -q repo clone && cd clone
echo cloned >>file3.txt && git commit -qam "from the clone" && git push -q origin main:from-clone
cd ../repo
[[ "$(git rev-parse from-clone)" == "$(git -C ../clone rev-parse HEAD)" ]]
git gc -q --prune=now
git fsck --strict --no-progress
[[ "$(git count-objects -v | sed -n 's/^count: //p')" == 0 ]]
git archive --format=tar v1 | tar -tf - | grep '^file40.txt$' >/dev/null
git bundle create -q ../all.bundle --all && git bundle verify -q ../all.bundle 2>/dev/null
cd / && rm -rf "$dir"
echo "git: ok"

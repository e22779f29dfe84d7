#!/bin/bash
# Regenerate dbus/*.xml from what a freshly built sysrecd serves (run as
# root from the source tree after changing a vtable; the integration test
# fails until the XML matches). Comments a file has before its interface
# element (what members mean; introspection carries no documentation) are kept.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
export SYSREC_BUILD=${SYSREC_BUILD:-$SRC/build}
source "$SRC/tests/lib/sysrecd.sh"
source "$SRC/tests/lib/runc.sh"
TMP=$(mktemp -d /tmp/sysrec-xml.XXXXXX)
CG=$(cgroup2_mount)/sysrec-xml-$$
trap 'sysrecd_stop; rmdir "$CG" 2>/dev/null || true; rm -rf "$TMP"' EXIT
sysrecd_start "$TMP"
mkdir "$CG"
sysrec_call StartRecording 'sa{sv}a{sv}' xml 1 cgroup s "/sysrec-xml-$$" 0 >/dev/null
extract() {  # IFACE FILE < full introspection XML; keeps the comments FILE has before the interface
        python3 -c '
import sys, re
iface, path = sys.argv[1], sys.argv[2]
xml = sys.stdin.read()
m = re.search(r"( <interface name=\"%s\">.*?</interface>\n)" % re.escape(iface), xml, re.S)
try:
    old = open(path).read()
    docs = "".join(re.findall(r"^ *<!--.*?-->\n", old.split("<interface", 1)[0], re.S | re.M))
except FileNotFoundError:
    docs = ""
out = "<!DOCTYPE node PUBLIC \"-//freedesktop//DTD D-BUS Object Introspection 1.0//EN\"\n\"https://www.freedesktop.org/standards/dbus/1.0/introspect.dtd\">\n<node>\n" + docs + m.group(1) + "</node>\n"
open(path, "w").write(out)
' "$1" "$2"
}
busctl introspect --xml-interface org.sysrec1 /org/sysrec1 | extract org.sysrec1.Manager "$SRC/dbus/org.sysrec1.Manager.xml"
busctl introspect --xml-interface org.sysrec1 /org/sysrec1/recording/xml | extract org.sysrec1.Recording "$SRC/dbus/org.sysrec1.Recording.xml"
sysrec_call StopRecording s xml >/dev/null
echo "updated dbus/org.sysrec1.Manager.xml dbus/org.sysrec1.Recording.xml"

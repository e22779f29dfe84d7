#!/bin/bash
# sqlite3: a database built, queried and checked by sqlite3's own shell — a rollback
# journal, then WAL mode, indexes, a join, a recursive CTE, VACUUM, integrity_check,
# .dump restored into a second database, and the same sums read from both.
# Usage: sqlite3.sh DIR (DIR is made afresh). Exits non-zero if a result is wrong.
set -euo pipefail
dir=$1
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir"
out=$(sqlite3 -batch -bail db.sqlite <<'SQL'
PRAGMA journal_mode=DELETE;
CREATE TABLE author(id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE book(id INTEGER PRIMARY KEY, author INTEGER REFERENCES author(id), title TEXT, year INT);
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO author SELECT i, 'author ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO book SELECT i, i % 200 + 1, hex(randomblob(16)), 1900 + i % 120 FROM n;
COMMIT;
CREATE INDEX book_year ON book(year);
PRAGMA journal_mode=WAL;
UPDATE book SET year = year + 1 WHERE year < 1950;
DELETE FROM book WHERE id % 7 = 0;
SELECT count(*) FROM book;
SELECT a.name, count(*) FROM book b JOIN author a ON a.id = b.author WHERE b.year = 2000 GROUP BY a.id ORDER BY 2 DESC, 1 LIMIT 1;
PRAGMA wal_checkpoint(TRUNCATE);
PRAGMA journal_mode=DELETE;
VACUUM;
PRAGMA integrity_check;
SQL
)
expected="delete
wal
17143
author 101|29
0|0|0
delete
ok"
if [[ "$out" != "$expected" ]]; then
        printf 'sqlite3: unexpected output:\n%s\n' "$out" >&2
        exit 1
fi
sqlite3 -batch -bail db.sqlite .dump | sqlite3 -batch -bail copy.sqlite
[[ "$(sqlite3 -batch copy.sqlite 'SELECT count(*), sum(year) FROM book;')" == \
        "$(sqlite3 -batch db.sqlite 'SELECT count(*), sum(year) FROM book;')" ]]
cd / && rm -rf "$dir"
echo "sqlite3: ok"

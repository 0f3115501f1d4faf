#!/usr/bin/env bash
# Where `npm test`'s time goes: each test file of `npm test` (or of the globs given) run alone, one
# after the other, with the mocha options of `npm test` minus the parallelism; prints each file's
# wall time and its share of the sum, largest first. A shared machine makes the seconds noisy: compare
# the shares. Usage: bash bench/testShares.sh [glob...]   (e.g. 'test/long/**/*.test.ts', timeout 600 s)
#        bash bench/testShares.sh --log <file>  (a saved `npm test`/`npm run test:long`/.ci/run output:
#        the spec reporter's test durations summed per top-level describe, i.e. per file; hooks and
#        tests under the reporter's "slow" threshold are not in it: a lower bound, for the shares)
set -uo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--log" ]; then
    exec node -e '
        const lines = require("fs").readFileSync(process.argv[1], "utf8").replace(/\x1b\[[0-9;]*m/g, "").split("\n");
        const sum = new Map(); let top; let run = 0;
        for (const l of lines) {
            if (/^> .* (test|test:long)$/.test(l)) { run++; top = undefined; }
            if (/^  \S/.test(l) && !/^  \d+ (passing|failing|pending)/.test(l)) top = `${run}: ${l.trim().slice(0, 90)}`;
            const m = /\((\d+)ms\)$/.exec(l);
            if (m && top) sum.set(top, (sum.get(top) ?? 0) + Number(m[1]));
        }
        for (const r of new Set([...sum.keys()].map((k) => k.split(":")[0]))) {
            const rows = [...sum].filter(([k]) => k.startsWith(`${r}:`)).sort((a, b) => b[1] - a[1]);
            const total = rows.reduce((n, [, v]) => n + v, 0);
            console.log(`run ${r}: ${(total / 1000).toFixed(1)} s of timed tests`);
            for (const [k, v] of rows) console.log(`${(v / 1000).toFixed(1).padStart(8)} ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k.slice(k.indexOf(":") + 2)}`);
        }' "$2"
fi
if [ "$#" -eq 0 ]; then
    mapfile -t files < <(find test -name '*.test.ts' -not -path 'test/long/*' | sort)
    timeout=20000
else
    mapfile -t files < <(for g in "$@"; do compgen -G "$g" || true; done | sort -u)
    timeout=600000
fi
out="$(mktemp)"
for f in "${files[@]}"; do
    start=$(date +%s.%N)
    npx mocha --no-config -r ts-node/register/transpile-only -r test/setup.ts --extension ts --exit \
        --timeout "$timeout" --reporter dot "$f" >"$out.log" 2>&1
    status=$?
    end=$(date +%s.%N)
    passing=$(grep -Eo '[0-9]+ passing' "$out.log" | grep -Eo '[0-9]+' || echo 0)
    failing=$(grep -Eo '[0-9]+ failing' "$out.log" | grep -Eo '[0-9]+' || echo 0)
    printf '%s\t%s\t%s\t%s\t%s\n' "$(echo "$end - $start" | bc)" "$f" "$passing" "$failing" "$status" >>"$out"
    echo "$f: $(echo "$end - $start" | bc) s, exit $status" >&2
done
total=$(awk -F'\t' '{ s += $1 } END { printf "%.1f", s }' "$out")
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); sum of the files: ${total} s"
printf '%8s %6s %5s %5s  %s\n' seconds share pass fail file
sort -t$'\t' -k1,1 -gr "$out" | awk -F'\t' -v t="$total" \
    '{ printf "%8.1f %5.1f%% %5d %5d  %s\n", $1, 100 * $1 / t, $3, $4, $2 }'
rm -f "$out" "$out.log"

#!/usr/bin/env bash
# bench/run.sh: what pushguard's pre-push hook adds to a `git push`, next to the floor of
# any hook that looks at the pushed files (`git log --name-only` over the same range).
#
# Usage: bench/run.sh [CASE...]        CASE is a, b, c, d, e or f (default: a-d, and e and f
#                                      when BENCH_REPO is set)
#   BENCH_REPO=PATH    a real git repository (any; nothing is downloaded) for the cases
#                      (e) its default branch's whole history pushed to an empty remote and
#                      (f) its last 50 first-parent commits pushed onto a remote that holds
#                      the rest
#   BENCH_FILL_MISSING=1  for (e) and (f) from a snapshot that lacks some objects (large
#                      blobs): let git's content floor read a placeholder for each (replace
#                      refs, which pushguard ignores) instead of failing
#   BENCH_RUNS=N       paired runs per case (default 15), after 2 untimed warm-up runs
#   PUSHGUARD_BIN=P    benchmark this binary instead of building one (`cargo build --release`)
#   BENCH_HOOK_SHIM=F  hook template to use (default hooks/pre-push, its @PUSHGUARD_BIN@
#                      replaced by the binary; a two-line `exec` shim when there is none)
#   BENCH_TIMER=shell  time with the shell even when cc can build bench/timer.c
#   BENCH_NO_INSTALL=1 with shell timing, never install GNU time (no peak memory then)
#   BENCH_COLD=1       also drop pushguard's app-discovery cache before every run (a
#                      clone's first push)
#
# Method (docs/performance.md has the details and the results):
#   each case has a work repository and a bare remote that already holds the base; the
#   commits to push sit on top. `git push --dry-run origin <ref>` runs the pre-push hook
#   (checked below for every case) but sends nothing, so it can be repeated. It is timed
#   with core.hooksPath pointing at
#     (i)   an empty hooks directory                                 -> baseline
#     (ii)  the pushguard hook                                       -> + pushguard
#     (iii) a hook running `git log --name-only --no-renames --format=` over the range it
#           is given on stdin, output discarded                      -> + git-log floor
#     (iv)  the same hook with `git log -p` instead: what any hook that reads the pushed
#           lines (a secret scanner) pays at least to have git show them -> + content floor
#   interleaved in rotating order within each run, so slow drift on a shared machine hits
#   all four alike. Added time = median(ii, iii or iv) - median(i).
#
# Targets (informational; the exit status is 0 whatever they say):
#   (a), (d): pushguard adds at most 5 ms.  (b), (c): it adds at most 1.5 x what the floor
#   adds.  (e), (f): it adds at most half the CPU time the content floor (`git log -p`)
#   adds.  Everywhere: pushguard's peak memory (max RSS) at most 50 MB.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "$0")/.." && pwd)
BENCH=$ROOT/bench
# Bump FIXTURE_VERSION when the fixture layout changes in run.sh; changes to fixture.py
# are picked up through its hash.
FIXTURE_VERSION=1
RUNS=${BENCH_RUNS:-15}
WARMUP=2

declare -A DESC=(
	[a]="1 commit, 3 files (500-file tree)"
	[b]="200 commits, 1-5 files each (500-file tree)"
	[c]="new branch, 3,000 commits (20,000-file tree)"
	[d]="1 commit, 3 files (100,000-file tree)"
)
declare -A REF=([a]=main [b]=main [c]=feature [d]=main)
if [ -n "${BENCH_REPO:-}" ]; then
	git -C "$BENCH_REPO" rev-parse --git-dir >/dev/null 2>&1 || {
		printf 'bench: BENCH_REPO=%s is not a git repository\n' "$BENCH_REPO" >&2
		exit 2
	}
	BENCH_REPO=$(cd -- "$BENCH_REPO" && pwd)
	REAL_BRANCH=$(git -C "$BENCH_REPO" symbolic-ref --short HEAD 2>/dev/null || echo main)
	REAL_NAME=$(basename "${BENCH_REPO%/repo}")
	DESC[e]="$REAL_NAME: whole history to an empty remote"
	DESC[f]="$REAL_NAME: last 50 commits"
	REF[e]=$REAL_BRANCH REF[f]=$REAL_BRANCH
fi

die() {
	printf 'bench: %s\n' "$*" >&2
	exit 2
}
note() { printf '%s\n' "$*" >&2; }

case ${1:-} in -h | --help)
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
	;;
esac
CASES=("$@")
if [ ${#CASES[@]} -eq 0 ]; then
	CASES=(a b c d)
	[ -z "${BENCH_REPO:-}" ] || CASES+=(e f)
fi
for c in "${CASES[@]}"; do
	case $c in e | f) [ -n "${BENCH_REPO:-}" ] || die "case '$c' needs BENCH_REPO=<path to a git repository>" ;; esac
	[ -n "${DESC[$c]:-}" ] || die "unknown case '$c'; the cases are a, b, c, d, e and f"
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '$RUNS'"

# Only the benchmark's own configuration: no user or system git config (a global
# core.hooksPath or push setting would change what is measured), no pushguard config
# from the environment.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY PUSHGUARD_CONFIG

command -v git >/dev/null || die "git is not on PATH"

# --- tools ---------------------------------------------------------------------------------

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pushguard-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# The timer: bench/timer.c (wait4: wall and CPU in µs, max RSS), compiled with the C compiler
# that building pushguard's vendored libgit2 needs anyway. Without one, the shell does it:
# wall time from bash's EPOCHREALTIME (or `date +%s%N`), CPU from bash's `time` (1 ms
# steps), peak memory from GNU time.
TIMER_BIN='' GNU_TIME=''
if [ "${BENCH_TIMER:-}" != shell ] && command -v cc >/dev/null &&
	cc -O2 -o "$TMP/timer" "$BENCH/timer.c" 2>"$TMP/cc.err"; then
	TIMER_BIN=$TMP/timer
	TIMER="bench/timer.c (wait4: wall and CPU time in µs, max RSS)"
else
	[ "${BENCH_TIMER:-}" = shell ] || note "bench: no C compiler (cc) to build bench/timer.c; timing with the shell instead (CPU time in 1 ms steps)."
	TIMEFORMAT='%3U %3S'
	if [ -n "${EPOCHREALTIME:-}" ]; then
		TIMER="shell (bash \$EPOCHREALTIME and time)"
	else
		# Older bash: `date` forks, but in every variant alike, so differences hold.
		TIMER="shell (date +%s%N and bash time)"
	fi
	# GNU time (Debian package `time`) measures peak memory. Installed only when missing,
	# when we are root and apt-get exists; otherwise memory is reported as not measured.
	if /usr/bin/time -f %M true >/dev/null 2>&1; then
		GNU_TIME=/usr/bin/time
	elif [ "${BENCH_NO_INSTALL:-}" != 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		note "bench: GNU time (/usr/bin/time) is missing; it measures peak memory. Installing the Debian package 'time' (set BENCH_NO_INSTALL=1 to skip)."
		if apt-get install -y -qq time >/dev/null 2>&1 ||
			{ apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq time >/dev/null 2>&1; }; then
			GNU_TIME=/usr/bin/time
		else
			note "bench: could not install 'time'; peak memory will not be measured."
		fi
	else
		note "bench: GNU time (/usr/bin/time) is missing; peak memory will not be measured (install the 'time' package)."
	fi
fi

# now_us: wall-clock microseconds into NOW (shell timing only).
now_us() {
	if [ -n "${EPOCHREALTIME:-}" ]; then
		NOW=${EPOCHREALTIME//[!0-9]/}
	else
		NOW=$(date +%s%N)
		NOW=${NOW%???}
	fi
}

# --- the binary ----------------------------------------------------------------------------

if [ -n "${PUSHGUARD_BIN:-}" ]; then
	BIN=$PUSHGUARD_BIN
else
	note "bench: building pushguard (cargo build --release; set PUSHGUARD_BIN to skip)"
	(cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
	target_dir=${CARGO_TARGET_DIR:-$ROOT/target}
	case $target_dir in /*) ;; *) target_dir=$ROOT/$target_dir ;; esac
	BIN=$target_dir/release/pushguard
fi
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
[ -x "$BIN" ] || die "$BIN is not an executable file"

# --- fixtures ------------------------------------------------------------------------------

GEN_HASH=$(git hash-object "$BENCH/fixture.py")
FIXTURES=$BENCH/.fixtures/v$FIXTURE_VERSION-${GEN_HASH:0:12}
# Fixtures of other versions can never be used again.
for old in "$BENCH"/.fixtures/v*; do
	[ "$old" = "$FIXTURES" ] || [ ! -d "$old" ] || rm -rf "$old"
done
mkdir -p "$TMP/hooks-empty"

# Builds the work repository and bare remote of a real-repository case (e, f) from
# BENCH_REPO: a local clone of its default branch (objects shared, nothing copied over the
# network), with origin an empty remote (e) or one that holds all but the last 50
# first-parent commits (f). Rebuilt when BENCH_REPO's branch moves.
build_real_fixture() {
	local c=$1 tip dir
	tip=$(git -C "$BENCH_REPO" rev-parse "$REAL_BRANCH")
	dir=$FIXTURES/$c-$(printf '%s' "$BENCH_REPO@$tip${BENCH_FILL_MISSING:+ filled}" | git hash-object --stdin | cut -c1-12)
	FIXTURE_DIR[$c]=$dir
	[ -f "$dir/ready" ] && return 0
	note "bench: building fixture ($c) ${DESC[$c]} (cached in ${dir#"$ROOT"/})"
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	(
		cd "$dir.tmp"
		git init -q --bare remote.git
		git clone -q --no-checkout --single-branch --branch "$REAL_BRANCH" "$BENCH_REPO" work
		cd work
		git config gc.auto 0
		git remote remove origin
		git -C ../remote.git symbolic-ref HEAD "refs/heads/$REAL_BRANCH"
		if [ "$c" = f ]; then
			# The remote borrows the clone's objects and points at the 50th commit back:
			# a dry-run push sends nothing, so nothing needs copying (and a snapshot missing
			# its largest blobs could not be pushed whole).
			printf '%s\n' "$PWD/.git/objects" >../remote.git/objects/info/alternates
			git -C ../remote.git update-ref "refs/heads/$REAL_BRANCH" \
				"$(git rev-parse "$REAL_BRANCH~50")"
		fi
		git remote add origin ../remote.git
		git fetch -q origin
		if [ -n "${BENCH_FILL_MISSING:-}" ]; then
			# A snapshot without its largest blobs makes `git log -p` stop at the first
			# one. Replace refs stand a one-line blob in for each missing object, for git
			# only (pushguard ignores replace refs and reports those files as unreadable),
			# so the content floor completes; it is then lower than on the whole
			# repository, which only makes the comparison stricter for pushguard.
			filler=$(printf 'missing from this snapshot\n' | git hash-object -w --stdin)
			git rev-list --objects --missing=print "$REAL_BRANCH" | sed -n 's/^?//p' |
				while read -r gone; do git update-ref "refs/replace/$gone" "$filler"; done
		fi
	) || die "building fixture ($c) from $BENCH_REPO failed (does its branch have 50 commits?)"
	mv "$dir.tmp" "$dir"
	touch "$dir/ready"
}

declare -A FIXTURE_DIR=()

# Builds (once) the work repository and bare remote of case $1 under $FIXTURES/$1.
build_fixture() {
	local c=$1 dir=$FIXTURES/$1
	case $c in e | f)
		build_real_fixture "$c"
		return 0
		;;
	esac
	FIXTURE_DIR[$c]=$dir
	[ -f "$dir/ready" ] && return 0
	command -v python3 >/dev/null || die "python3 is needed to generate the fixtures"
	note "bench: building fixture ($c) ${DESC[$c]} (cached in ${dir#"$ROOT"/})"
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	(
		cd "$dir.tmp"
		git init -q --bare remote.git
		git init -q work
		cd work
		git config gc.auto 0
		python3 "$BENCH/fixture.py" "$c" | git fast-import --quiet
		git symbolic-ref HEAD refs/heads/main
		git -C ../remote.git symbolic-ref HEAD refs/heads/main
		# The remote holds the base; origin/main tracks it, as after a clone. The URL is
		# relative so the fixture directory can be renamed into place.
		git -c core.hooksPath="$TMP/hooks-empty" push -q ../remote.git refs/heads/base:refs/heads/main
		git remote add origin ../remote.git
		git fetch -q origin
		git update-ref -d refs/heads/base
		# One well-packed pack, like a fresh clone (fast-import's packs are not).
		git repack -adq
	) || die "building fixture ($c) failed"
	mv "$dir.tmp" "$dir"
	touch "$dir/ready"
}

# --- hooks ---------------------------------------------------------------------------------

# The generated hooks run under /bin/sh, like the real one; paths are quoted with bash's %q,
# which sh reads correctly for any path without control characters.

# (ii) pushguard: the project's hook shim with the binary path filled in, when there is one.
SHIM_TEMPLATE=${BENCH_HOOK_SHIM:-$ROOT/hooks/pre-push}
mkdir -p "$TMP/hooks-pushguard"
if [ -f "$SHIM_TEMPLATE" ] && grep -q '@PUSHGUARD_BIN@' "$SHIM_TEMPLATE"; then
	# The template quotes the path in single quotes.
	BIN_QUOTED=${BIN//\'/\'\\\'\'} awk '
		{ i = index($0, "@PUSHGUARD_BIN@")
		  if (i) $0 = substr($0, 1, i - 1) ENVIRON["BIN_QUOTED"] substr($0, i + 15)
		  print }' "$SHIM_TEMPLATE" >"$TMP/hooks-pushguard/pre-push"
	SHIM="${SHIM_TEMPLATE#"$ROOT"/} (binary path filled in)"
else
	printf '#!/bin/sh\nexec %q hook pre-push "$@"\n' "$BIN" >"$TMP/hooks-pushguard/pre-push"
	SHIM="two-line exec shim (no hooks/pre-push template found)"
fi

# (iii) the floor: every changed path of the pushed commits, listed by git itself.
mkdir -p "$TMP/hooks-floor"
cat >"$TMP/floor.sh" <<'EOF'
#!/bin/sh
# Lists the changed paths of each pushed range, as git would for a hook; output discarded.
remote=$1
while read -r lref lsha rref rsha; do
	case $lsha in *[!0]*) ;; *) continue ;; esac # deletion: nothing pushed
	case $rsha in
	*[!0]*) git log --name-only --no-renames --format= "$rsha..$lsha" ;;
	*) git log --name-only --no-renames --format= "$lsha" --not --remotes="$remote" ;;
	esac
done >/dev/null
EOF
cp "$TMP/floor.sh" "$TMP/hooks-floor/pre-push"

# (iv) the content floor: the same, with every pushed line shown (`git log -p`).
mkdir -p "$TMP/hooks-patch"
sed 's/--name-only/-p/g; s/changed paths/changed lines/' "$TMP/floor.sh" >"$TMP/hooks-patch/pre-push"

# Checks: records what git gives a pre-push hook under --dry-run.
mkdir -p "$TMP/hooks-record"
printf '#!/bin/sh\ncat >%q\n' "$TMP/stdin" >"$TMP/hooks-record/pre-push"

# Peak memory: the binary and the floor under the timer or GNU time (no shim in between).
mkdir -p "$TMP/hooks-rss-pushguard" "$TMP/hooks-rss-floor"
if [ -n "$TIMER_BIN" ]; then
	MEM_TOOL=$(printf '%q %q' "$TIMER_BIN" "$TMP/rss")
elif [ -n "$GNU_TIME" ]; then
	MEM_TOOL=$(printf '%q -f "0 0 0 %%M" -o %q' "$GNU_TIME" "$TMP/rss")
fi
if [ -n "${MEM_TOOL:-}" ]; then
	printf '#!/bin/sh\nexec %s %q hook pre-push "$@"\n' "$MEM_TOOL" "$BIN" >"$TMP/hooks-rss-pushguard/pre-push"
	printf '#!/bin/sh\nexec %s sh %q "$@"\n' "$MEM_TOOL" "$TMP/floor.sh" >"$TMP/hooks-rss-floor/pre-push"
fi
chmod +x "$TMP"/hooks-*/pre-push 2>/dev/null || true

# --- measuring -----------------------------------------------------------------------------

# push HOOKS_DIR [WRAPPER...]: one `git push --dry-run` of the case's ref, output discarded,
# run under WRAPPER when given. A failed push is counted in PUSH_FAILS (its time would not
# be comparable).
push() {
	"${@:2}" git -C "$WORK" -c core.hooksPath="$1" push --dry-run --quiet origin "$PUSH_REF" \
		>/dev/null 2>&1 || PUSH_FAILS=$((PUSH_FAILS + 1))
}

# pushguard records deploy pushes under .git/pushguard/deploys (for `frequent-deploys`):
# forget them, so every run is judged the same. The app-discovery cache beside it
# (fly-tomls.json) stays, as in any clone pushguard has run in before; set BENCH_COLD=1 to
# remove it too and time a clone's very first push.
# A real repository's history may hold findings that block; the benchmark times the
# analysis, so its pushes go ahead ([policy] noninteractive = "allow"), everything else
# as built in.
printf '[policy]\nnoninteractive = "allow"\n' >"$TMP/bench-config.toml"

reset_state() {
	if [ "${BENCH_COLD:-}" = 1 ]; then
		rm -rf "$WORK/.git/pushguard"
	else
		rm -f "$WORK/.git/pushguard/deploys" "$WORK/.git/pushguard/audit.log"
	fi
}

median_us() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.1f", u / 1000 }'; }
signed_ms() { awk -v u="$1" 'BEGIN { printf "%+.1f", u / 1000 }'; }

# peak_kib pushguard|floor: max RSS (KiB) of that hook's process, or "n/a".
peak_kib() {
	[ -n "${MEM_TOOL:-}" ] || {
		echo n/a
		return
	}
	local rss=n/a
	rm -f "$TMP/rss"
	reset_state
	push "$TMP/hooks-rss-$1"
	[ -s "$TMP/rss" ] && read -r _ _ _ rss <"$TMP/rss"
	echo "$rss"
}

# check_case: what git hands the hook, and that pushguard runs and allows the push.
check_case() {
	rm -f "$TMP/stdin"
	PUSH_FAILS=0
	push "$TMP/hooks-record"
	[ "$PUSH_FAILS" -eq 0 ] || die "($C) git push --dry-run failed with no hook"
	[ -s "$TMP/stdin" ] || die "($C) git push --dry-run did not run the pre-push hook; this benchmark relies on it"
	local lsha rsha range
	read -r _ lsha _ rsha <"$TMP/stdin"
	case $rsha in
	*[!0]*) range=("$rsha..$lsha") ;;
	*) range=("$lsha" --not --remotes=origin) ;;
	esac
	COMMITS=$(git -C "$WORK" rev-list --count "${range[@]}")
	PATHS=$(git -C "$WORK" log --name-only --no-renames --format= "${range[@]}" | sort -u | grep -c . || true)
	reset_state
	local status=0
	git -C "$WORK" -c core.hooksPath="$TMP/hooks-pushguard" push --dry-run --quiet origin "$PUSH_REF" \
		>"$TMP/out" 2>&1 || status=$?
	GUARD_OK=1
	if [ "$status" -ne 0 ] || ! grep -q "origin/$PUSH_REF" "$TMP/out"; then
		GUARD_OK=0
		note "bench: ($C) WARNING: the push with the pushguard hook did not run through (exit $status), so its time is not comparable. Its output:"
		sed 's/^/    /' "$TMP/out" >&2
	fi
}

# measure HOOKS_DIR: one timed push. Sets WALL (wall-clock µs) and CPU (user + system CPU
# µs of git and everything it ran, hook included: CPU time is far less disturbed than wall
# time by other work on a shared machine).
measure() {
	local t0 u s
	if [ -n "$TIMER_BIN" ]; then
		: >"$TMP/times"
		push "$1" "$TIMER_BIN" "$TMP/times"
		read -r WALL u s _ <"$TMP/times"
		CPU=$((u + s))
		return
	fi
	now_us
	t0=$NOW
	{ time push "$1"; } 2>"$TMP/times"
	now_us
	WALL=$((NOW - t0))
	read -r u s <"$TMP/times"
	u=${u//[!0-9]/} s=${s//[!0-9]/}
	CPU=$(((10#$u + 10#$s) * 1000))
}

# time_case: BENCH_RUNS paired runs of the four variants, in rotating order.
time_case() {
	local i j v
	local -a w_base=() w_guard=() w_floor=() w_patch=() c_base=() c_guard=() c_floor=() c_patch=()
	local variants=(base guard floor patch)
	PUSH_FAILS=0
	for ((i = 0; i < WARMUP + RUNS; i++)); do
		for ((j = 0; j < 4; j++)); do
			v=${variants[(i + j) % 4]}
			case $v in
			base) measure "$TMP/hooks-empty" ;;
			guard)
				reset_state
				measure "$TMP/hooks-pushguard"
				;;
			floor) measure "$TMP/hooks-floor" ;;
			patch) measure "$TMP/hooks-patch" ;;
			esac
			if ((i < WARMUP)); then continue; fi
			case $v in
			base) w_base+=("$WALL") c_base+=("$CPU") ;;
			guard) w_guard+=("$WALL") c_guard+=("$CPU") ;;
			floor) w_floor+=("$WALL") c_floor+=("$CPU") ;;
			patch) w_patch+=("$WALL") c_patch+=("$CPU") ;;
			esac
		done
	done
	reset_state
	MED_BASE=$(median_us "${w_base[@]}")
	MED_GUARD=$(median_us "${w_guard[@]}")
	MED_FLOOR=$(median_us "${w_floor[@]}")
	MED_PATCH=$(median_us "${w_patch[@]}")
	CPU_BASE=$(median_us "${c_base[@]}")
	CPU_GUARD=$(median_us "${c_guard[@]}")
	CPU_FLOOR=$(median_us "${c_floor[@]}")
	CPU_PATCH=$(median_us "${c_patch[@]}")
}

# --- run -----------------------------------------------------------------------------------

for C in "${CASES[@]}"; do build_fixture "$C"; done

printf 'pushguard pre-push benchmark\n'
printf '  binary:   %s (%s)\n' "$BIN" "$("$BIN" --version 2>/dev/null || echo '?')"
printf '  hook:     %s\n' "$SHIM"
printf '  git:      %s\n' "$(git --version)"
printf '  machine:  %s cores, %s\n' "$(nproc 2>/dev/null || echo '?')" \
	"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)"
printf '  load:     %s (1, 5, 15 min load average at start; wall times suffer on a busy machine, CPU times much less)\n' \
	"$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
printf '  method:   medians of %s paired runs (+%s warm-up) of git push --dry-run, timer %s\n\n' \
	"$RUNS" "$WARMUP" "$TIMER"

declare -A R_BASE R_GUARD R_FLOOR R_PATCH R_CPU_BASE R_CPU_GUARD R_CPU_FLOOR R_CPU_PATCH R_COMMITS R_PATHS R_OK R_RSS R_RSS_FLOOR
for C in "${CASES[@]}"; do
	WORK=${FIXTURE_DIR[$C]}/work
	case $C in
	e | f) export PUSHGUARD_CONFIG=$TMP/bench-config.toml ;;
	*) unset PUSHGUARD_CONFIG ;;
	esac
	PUSH_REF=${REF[$C]}
	check_case
	note "bench: ($C) ${DESC[$C]}: $COMMITS commits, $PATHS paths, ${RUNS} runs ..."
	time_case
	R_BASE[$C]=$MED_BASE R_GUARD[$C]=$MED_GUARD R_FLOOR[$C]=$MED_FLOOR R_PATCH[$C]=$MED_PATCH
	R_COMMITS[$C]=$COMMITS R_PATHS[$C]=$PATHS
	R_OK[$C]=$GUARD_OK
	R_CPU_BASE[$C]=$CPU_BASE R_CPU_GUARD[$C]=$CPU_GUARD R_CPU_FLOOR[$C]=$CPU_FLOOR R_CPU_PATCH[$C]=$CPU_PATCH
	[ "$PUSH_FAILS" -eq 0 ] || {
		R_OK[$C]=0
		note "bench: ($C) WARNING: $PUSH_FAILS of the timed pushes failed; this case's times are not comparable."
	}
	R_RSS[$C]=$(peak_kib pushguard)
	R_RSS_FLOOR[$C]=$(peak_kib floor)
done

printf 'wall-clock time of git push --dry-run (medians)\n'
printf '%-4s %-46s %8s %8s | %9s %11s %11s | %11s %11s | %-24s %-8s | %12s\n' \
	case push commits paths "no hook" "pushguard" "floor" "+pushguard" "+floor" target result "+log -p"
for C in "${CASES[@]}"; do
	base=${R_BASE[$C]} guard=${R_GUARD[$C]} floor=${R_FLOOR[$C]} patch=${R_PATCH[$C]}
	added_guard=$(awk -v g="$guard" -v b="$base" 'BEGIN { print g - b }')
	added_floor=$(awk -v f="$floor" -v b="$base" 'BEGIN { print f - b }')
	added_patch=$(awk -v p="$patch" -v b="$base" 'BEGIN { print p - b }')
	case $C in
	a | d)
		target="+pushguard <= 5 ms"
		pass=$(awk -v a="$added_guard" 'BEGIN { print (a <= 5000) ? "PASS" : "FAIL" }')
		;;
	b | c)
		target="+pushguard <= 1.5 x +floor"
		pass=$(awk -v g="$added_guard" -v f="$added_floor" 'BEGIN { print (g <= 1.5 * f) ? "PASS" : "FAIL" }')
		;;
	e | f)
		target="(CPU table)"
		pass=""
		;;
	esac
	[ "${R_OK[$C]}" = 1 ] || pass="INVALID (see warnings)"
	printf '%-4s %-46s %8s %8s | %9s %11s %11s | %11s %11s | %-24s %-8s | %12s\n' \
		"($C)" "${DESC[$C]}" "${R_COMMITS[$C]}" "${R_PATHS[$C]}" \
		"$(ms "$base") ms" "$(ms "$guard") ms" "$(ms "$floor") ms" \
		"$(signed_ms "$added_guard") ms" "$(signed_ms "$added_floor") ms" "$target" "$pass" \
		"$(signed_ms "$added_patch") ms"
done
printf '(+log -p: the same hook as the floor with `git log -p`, the least a hook that reads the pushed lines pays; for comparison only)\n'

printf '\nCPU time (user + system of git push and everything it ran; medians)\n'
printf '%-4s %9s %11s %11s | %11s %11s %11s | %-26s %s\n' case "no hook" pushguard floor "+pushguard" "+floor" "+log -p" target result
for C in "${CASES[@]}"; do
	base=${R_CPU_BASE[$C]} guard=${R_CPU_GUARD[$C]} floor=${R_CPU_FLOOR[$C]} patch=${R_CPU_PATCH[$C]}
	added_guard=$(awk -v g="$guard" -v b="$base" 'BEGIN { print g - b }')
	added_patch=$(awk -v p="$patch" -v b="$base" 'BEGIN { print p - b }')
	target="" pass=""
	case $C in
	e | f)
		target="+pushguard <= 0.5 x +log -p"
		pass=$(awk -v g="$added_guard" -v p="$added_patch" 'BEGIN { print (g <= 0.5 * p) ? "PASS" : "FAIL" }')
		[ "${R_OK[$C]}" = 1 ] || pass="INVALID (see warnings)"
		;;
	esac
	printf '%-4s %9s %11s %11s | %11s %11s %11s | %-26s %s\n' "($C)" \
		"$(ms "$base") ms" "$(ms "$guard") ms" "$(ms "$floor") ms" \
		"$(signed_ms "$added_guard") ms" \
		"$(signed_ms "$(awk -v f="$floor" -v b="$base" 'BEGIN { print f - b }')") ms" \
		"$(signed_ms "$added_patch") ms" "$target" "$pass"
done

mb() { case $1 in n/a) echo n/a ;; *) awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }' ;; esac; }
printf '\npeak memory (max RSS) of the hook process\n'
printf '%-4s %14s %14s   %-22s %s\n' case pushguard "git-log floor" target result
for C in "${CASES[@]}"; do
	rss=${R_RSS[$C]} rss_floor=${R_RSS_FLOOR[$C]}
	target="pushguard <= 50 MB"
	case $rss in
	n/a) pass="NOT MEASURED (no GNU time)" ;;
	*) pass=$(awk -v k="$rss" 'BEGIN { print (k <= 50 * 1024) ? "PASS" : "FAIL" }') ;;
	esac
	printf '%-4s %14s %14s   %-22s %s\n' "($C)" "$(mb "$rss")" "$(mb "$rss_floor")" "$target" "$pass"
done
printf '\n(MB = 1024 KiB of max RSS; for the floor, its largest process: git log.)\n'
exit 0

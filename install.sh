#!/usr/bin/env bash
# Install (or uninstall) pushguard: the binary into a bin directory, and the pre-push hook
# into a git repository.
#
# Invariants, and why:
# - The hook goes into whatever directory `git rev-parse --git-path hooks` names. That is the
#   one git itself runs hooks from: it honours core.hooksPath, and linked worktrees share the
#   main repository's hooks directory.
# - The installed hook carries the binary's absolute path, because GUI git clients often run
#   hooks with a PATH that lacks cargo's bin directory.
# - Somebody else's pre-push hook is never deleted or overwritten: it is moved aside to
#   pre-push.pushguard-chained and run first by our hook, and --uninstall moves it back.
# - Our hook is recognised only by its marker line, so re-running is idempotent and we never
#   chain ourselves.
set -eu
# Command substitutions must stop at the first failure too (bash >= 4.4).
shopt -s inherit_errexit 2>/dev/null || true

readonly MARKER='# pushguard-managed-hook'
readonly PLACEHOLDER_LINE="PUSHGUARD_BIN='@PUSHGUARD_BIN@'"
readonly CHAINED_NAME='pre-push.pushguard-chained'
readonly EDITED_NAME='pre-push.pushguard-edited'
readonly LOCK_NAME='.pushguard-install.lock'

# Cleaned up on exit, wherever the script exits: a staged hook, the hooks lock.
staged=''
lockdir=''
cleanup() {
	if [ -n "$staged" ]; then rm -f -- "$staged"; fi
	if [ -n "$lockdir" ]; then rmdir -- "$lockdir" 2>/dev/null || true; fi
}
trap cleanup EXIT

# lock_hooks HOOKS_DIR: one installer at a time per hooks directory. Two concurrent runs
# would each move the other's hook aside and lose the user's own; `mkdir` is atomic, so the
# second waits (30 s at most) for the first.
lock_hooks() {
	local dir=$1/$LOCK_NAME tries=0
	mkdir -p -- "$1" || die "could not create the hooks directory $1."
	until mkdir -- "$dir" 2>/dev/null; do
		tries=$((tries + 1))
		if [ "$tries" -ge 300 ]; then
			die "another install.sh has held $dir for 30 s. If none is running (one was killed), remove that directory and run install.sh again."
		fi
		sleep 0.1
	done
	lockdir=$dir
}

# is_pristine HOOK TEMPLATE: true if HOOK is the template rendered, whatever binary path it
# names: a managed hook the user has not edited.
is_pristine() {
	local hook=$1 template=$2
	[ -f "$template" ] || return 1
	diff -q <(grep -vx "PUSHGUARD_BIN='.*'" "$hook") <(grep -vxF "$PLACEHOLDER_LINE" "$template") >/dev/null 2>&1
}

usage() {
	cat <<'EOF'
Usage: ./install.sh [--repo DIR] [--binary PATH] [--bin-dir DIR] [--uninstall] [--help]

Builds pushguard (cargo build --release --locked), installs the binary into the bin
directory, and installs pushguard's pre-push hook into the git repository containing the
current directory. An existing pre-push hook is kept: it is renamed to
pre-push.pushguard-chained and runs before pushguard on every push.

Options:
  --repo DIR      install the hook into the repository containing DIR (default: .)
  --binary PATH   install this pushguard binary instead of building one
  --bin-dir DIR   where to put the binary (default: ${CARGO_HOME:-$HOME/.cargo}/bin)
  --uninstall     remove pushguard's hook and restore the hook it displaced; the binary
                  is left in place
  -h, --help      show this help
EOF
}

# die MESSAGE: print one paragraph to stderr and exit 1.
die() {
	printf 'install.sh: %s\n' "$*" >&2
	exit 1
}

# usage_error MESSAGE: a command-line mistake; exits 2 like other usage errors.
usage_error() {
	printf 'install.sh: %s\n\n' "$*" >&2
	usage >&2
	exit 2
}

# exists FILE: true for anything at FILE, including a dangling symlink.
exists() {
	[ -e "$1" ] || [ -L "$1" ]
}

# is_ours FILE: true if FILE is a hook written by this script (it carries the marker line).
is_ours() {
	[ -f "$1" ] && grep -qxF "$MARKER" "$1" 2>/dev/null
}

# absolute_dir DIR: DIR as an absolute physical path; DIR must exist.
absolute_dir() {
	(cd -- "$1" && pwd -P)
}

# sh_single_quote TEXT: TEXT escaped for use between single quotes in sh.
sh_single_quote() {
	local quote="'\\''"
	printf '%s' "${1//\'/"$quote"}"
}

# hooks_dir REPO: the absolute hooks directory git uses for the repository containing REPO.
# It may not exist yet.
hooks_dir() {
	local repo=$1 repo_abs hooks git_error
	if [ ! -d "$repo" ]; then
		die "$repo is not a directory, so there is no repository to install the hook into. Pass --repo with the path of a git repository (or a directory inside one)."
	fi
	repo_abs=$(absolute_dir "$repo")
	if ! hooks=$(git -C "$repo_abs" rev-parse --git-path hooks 2>/dev/null); then
		git_error=$(git -C "$repo_abs" rev-parse --git-dir 2>&1 >/dev/null || true)
		case $git_error in
		*"not a git repository"*)
			die "$repo_abs is not inside a git repository, so there is no hooks directory to install the pre-push hook into. Run install.sh from inside the repository you want to guard, or pass --repo DIR."
			;;
		*)
			die "git could not open the repository at $repo_abs: $git_error"
			;;
		esac
	fi
	# git prints a relative path relative to the directory it ran in.
	case $hooks in
	/*) printf '%s\n' "$hooks" ;;
	*) printf '%s\n' "$repo_abs/$hooks" ;;
	esac
}

# build_binary SOURCE_DIR: build pushguard in SOURCE_DIR and print the built binary's path.
build_binary() {
	local source_dir=$1 target_dir
	if ! command -v cargo >/dev/null 2>&1; then
		die "cargo was not found on PATH, so pushguard cannot be built from $source_dir. Install Rust (https://rustup.rs), or pass --binary PATH to install an already built pushguard."
	fi
	if ! (cd -- "$source_dir" && cargo build --release --locked >&2); then
		die "cargo build --release --locked failed in $source_dir (see the errors above). Fix the build, or pass --binary PATH to install an already built pushguard."
	fi
	target_dir=${CARGO_TARGET_DIR:-target}
	case $target_dir in
	/*) ;;
	*) target_dir=$source_dir/$target_dir ;;
	esac
	if [ ! -f "$target_dir/release/pushguard" ]; then
		die "cargo build succeeded but $target_dir/release/pushguard does not exist (is build.target-dir set in a cargo config?). Pass --binary PATH to install the built pushguard."
	fi
	printf '%s\n' "$target_dir/release/pushguard"
}

# install_binary SOURCE BIN_DIR: copy SOURCE to BIN_DIR/pushguard, mode 755; print the path.
install_binary() {
	local source=$1 bin_dir=$2 dest
	if [ ! -f "$source" ]; then
		die "the pushguard binary $source does not exist or is not a regular file. Pass --binary with the path of a built pushguard, or leave --binary out to build one."
	fi
	mkdir -p -- "$bin_dir" || die "could not create the bin directory $bin_dir. Pass --bin-dir with a directory you can write to."
	dest=$(absolute_dir "$bin_dir")/pushguard
	case $dest in
	*$'\n'*) die "the bin directory $bin_dir has a newline in its path, which the hook cannot name. Pass --bin-dir with another directory." ;;
	esac
	if [ ! "$source" -ef "$dest" ]; then
		# Copied beside the destination, then renamed over it: concurrent installs, and a
		# hook running the old binary meanwhile, never see a half-written file.
		local tmp
		tmp=$(mktemp "$(dirname -- "$dest")/.pushguard.XXXXXX") || die "could not create a temporary file in $bin_dir. Pass --bin-dir with a directory you can write to."
		if ! install -m 755 -- "$source" "$tmp" || ! mv -f -- "$tmp" "$dest"; then
			rm -f -- "$tmp"
			die "could not install $source as $dest. Pass --bin-dir with a directory you can write to."
		fi
	fi
	printf '%s\n' "$dest"
}

# render_hook TEMPLATE BINARY OUT: write TEMPLATE to OUT with the placeholder line naming
# BINARY. Fails if the template has no placeholder line, so a stale template cannot produce
# a hook that silently ignores the installed binary.
render_hook() {
	local template=$1 binary=$2 out=$3 line replaced=0
	{
		while IFS= read -r line || [ -n "$line" ]; do
			if [ "$line" = "$PLACEHOLDER_LINE" ]; then
				printf "PUSHGUARD_BIN='%s'\n" "$(sh_single_quote "$binary")"
				replaced=$((replaced + 1))
			else
				printf '%s\n' "$line"
			fi
		done <"$template"
	} >"$out"
	if [ "$replaced" -ne 1 ]; then
		die "the hook template $template must contain exactly one line $PLACEHOLDER_LINE (found $replaced). Restore it from the pushguard source checkout."
	fi
}

# install_hook HOOKS_DIR TEMPLATE BINARY: install our pre-push hook, chaining a foreign one.
install_hook() {
	local hooks=$1 template=$2 binary=$3 hook chained
	mkdir -p -- "$hooks" || die "could not create the hooks directory $hooks."
	hooks=$(absolute_dir "$hooks")
	hook=$hooks/pre-push
	chained=$hooks/$CHAINED_NAME

	if [ -d "$hook" ] && [ ! -L "$hook" ]; then
		die "$hook is a directory, not a hook. Move it out of the way and run install.sh again."
	fi
	if exists "$chained" && is_ours "$chained"; then
		rm -f -- "$chained"
		printf 'removed %s: it was a copy of pushguard'"'"'s own hook\n' "$chained"
	fi
	if exists "$hook" && ! is_ours "$hook" && exists "$chained"; then
		die "$hook is not pushguard's hook and $chained already exists, so there is nowhere to keep the existing hook without overwriting one of them. Merge or remove one of the two files, then run install.sh again."
	fi

	# Render beside the destination first, so the final rename is atomic. `staged` is global
	# so the EXIT trap can still see it wherever the script exits.
	staged=$(mktemp "$hooks/.pre-push.pushguard.XXXXXX") || die "could not create a temporary file in $hooks."
	render_hook "$template" "$binary" "$staged"
	chmod 755 "$staged"

	if exists "$hook" && ! is_ours "$hook"; then
		mv -- "$hook" "$chained"
		printf 'moved the existing pre-push hook to %s; it runs before pushguard, and the push stops if it fails\n' "$chained"
	fi
	mv -f -- "$staged" "$hook"
	staged=''
	printf 'installed pre-push hook to %s\n' "$hook"
}

# uninstall_hook HOOKS_DIR TEMPLATE: remove our hook and move the displaced one back. A
# managed hook the user has edited is moved aside, not deleted.
uninstall_hook() {
	local hooks=$1 template=$2 hook chained
	hook=$hooks/pre-push
	chained=$hooks/$CHAINED_NAME

	if exists "$hook" && ! is_ours "$hook"; then
		printf 'pushguard'"'"'s hook is not installed: %s is not pushguard'"'"'s, so it was left alone\n' "$hook"
		if exists "$chained"; then
			printf 'note: %s was left in place too; it does not run unless you move it back to %s yourself\n' "$chained" "$hook"
		fi
		return 0
	fi
	if ! exists "$hook" && ! exists "$chained"; then
		printf 'pushguard'"'"'s hook is not installed in %s; nothing to do\n' "$hooks"
		return 0
	fi
	if exists "$hook"; then
		if is_pristine "$hook" "$template"; then
			rm -f -- "$hook"
			printf 'removed pushguard'"'"'s pre-push hook from %s\n' "$hook"
		else
			mv -f -- "$hook" "$hooks/$EDITED_NAME"
			printf 'pushguard'"'"'s pre-push hook in %s was edited since it was installed: moved it to %s instead of deleting it\n' "$hook" "$hooks/$EDITED_NAME"
		fi
	fi
	if exists "$chained"; then
		if is_ours "$chained"; then
			rm -f -- "$chained"
			printf 'removed %s: it was a copy of pushguard'"'"'s own hook\n' "$chained"
		else
			mv -- "$chained" "$hook"
			printf 'restored the original pre-push hook from %s to %s\n' "$chained" "$hook"
		fi
	fi
}

main() {
	local repo=. binary='' bin_dir='' uninstall=false script_dir hooks source dest

	while [ $# -gt 0 ]; do
		case $1 in
		--repo | --binary | --bin-dir)
			if [ $# -lt 2 ] || [ -z "$2" ]; then
				usage_error "$1 needs a value."
			fi
			case $1 in
			--repo) repo=$2 ;;
			--binary) binary=$2 ;;
			--bin-dir) bin_dir=$2 ;;
			esac
			shift 2
			;;
		--repo= | --binary= | --bin-dir=) usage_error "${1%=} needs a value." ;;
		--repo=?*) repo=${1#*=}; shift ;;
		--binary=?*) binary=${1#*=}; shift ;;
		--bin-dir=?*) bin_dir=${1#*=}; shift ;;
		--uninstall) uninstall=true; shift ;;
		-h | --help) usage; exit 0 ;;
		*) usage_error "unknown option: $1" ;;
		esac
	done

	if ! command -v git >/dev/null 2>&1; then
		die "git was not found on PATH. Install git, then run install.sh again."
	fi
	if [ -z "$bin_dir" ]; then
		if [ -n "${CARGO_HOME:-}" ]; then
			bin_dir=$CARGO_HOME/bin
		elif [ -n "${HOME:-}" ]; then
			bin_dir=$HOME/.cargo/bin
		else
			die "neither CARGO_HOME nor HOME is set, so there is no default bin directory. Pass --bin-dir DIR."
		fi
	fi

	# Find the repository first: a mistake here should not cost a release build.
	hooks=$(hooks_dir "$repo")
	script_dir=$(absolute_dir "$(dirname -- "${BASH_SOURCE[0]}")")

	if "$uninstall"; then
		lock_hooks "$hooks"
		uninstall_hook "$hooks" "$script_dir/hooks/pre-push"
		if [ -f "$bin_dir/pushguard" ]; then
			printf 'the pushguard binary was left at %s; remove it with: rm %q\n' "$bin_dir/pushguard" "$bin_dir/pushguard"
		else
			printf 'the pushguard binary, if installed, was left in place; remove it from your bin directory by hand\n'
		fi
		return 0
	fi

	if [ ! -f "$script_dir/hooks/pre-push" ]; then
		die "the hook template $script_dir/hooks/pre-push is missing. Run install.sh from a complete pushguard source checkout."
	fi
	if [ -n "$binary" ]; then
		source=$binary
	else
		source=$(build_binary "$script_dir")
	fi
	dest=$(install_binary "$source" "$bin_dir")
	printf 'installed pushguard to %s\n' "$dest"
	lock_hooks "$hooks"
	install_hook "$hooks" "$script_dir/hooks/pre-push" "$dest"
}

main "$@"

#!/usr/bin/env bash
# Install (or uninstall) pushguard: the binary into a bin directory, and the pre-push hook
# into a git repository. The hook itself is installed by the binary (`pushguard install`,
# src/setup/), which keeps the invariants below; this script builds and copies the binary.
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

usage() {
	cat <<'EOF'
Usage: ./install.sh [--repo DIR] [--binary PATH] [--bin-dir DIR] [--uninstall]
                    [--global-hooks] [--source-checkout] [--help]

Builds pushguard (cargo build --release --locked), installs the binary into the bin
directory, and runs `pushguard install` to install its pre-push hook into the git
repository containing the current directory. An existing pre-push hook is kept: it is
renamed to pre-push.pushguard-chained and runs before pushguard on every push. With husky,
one line is added to .husky/pre-push instead.

Options:
  --repo DIR         install the hook into the repository containing DIR (default: .)
  --binary PATH      install this pushguard binary instead of building one (with
                     --uninstall: the pushguard that removes the hook)
  --bin-dir DIR      where to put the binary (default: ${CARGO_HOME:-$HOME/.cargo}/bin)
  --uninstall        run `pushguard uninstall`: remove pushguard's hook and restore the
                     hook it displaced; the binary is left in place
  --global-hooks     install even though core.hooksPath is set globally (the hook then
                     runs in every repository of this user)
  --source-checkout  install even into pushguard's own source checkout
  -h, --help         show this help
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

# absolute_dir DIR: DIR as an absolute physical path; DIR must exist.
absolute_dir() {
	(cd -- "$1" && pwd -P)
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

# is_pushguard FILE: true if FILE runs and answers `--version` as pushguard does.
is_pushguard() {
	local version
	[ -f "$1" ] && [ -x "$1" ] || return 1
	version=$("$1" --version </dev/null 2>/dev/null) || return 1
	case $version in
	"pushguard "*) return 0 ;;
	*) return 1 ;;
	esac
}

# uninstaller BIN_DIR HOOKS_DIR SOURCE_DIR: print the first pushguard that can run
# `pushguard uninstall`: the one in BIN_DIR, the one the installed hook names, the one on
# PATH, the one built in SOURCE_DIR.
uninstaller() {
	local bin_dir=$1 hooks=$2 source_dir=$3 named='' candidate
	if [ -f "$hooks/pre-push" ] && grep -qxF "$MARKER" "$hooks/pre-push" 2>/dev/null; then
		named=$(sed -n "s/^PUSHGUARD_BIN='\(.*\)'\$/\1/p" "$hooks/pre-push" | sed "s/'\\\\''/'/g" | head -n 1)
	fi
	for candidate in \
		"$bin_dir/pushguard" \
		"$named" \
		"$(command -v pushguard 2>/dev/null || true)" \
		"${CARGO_TARGET_DIR:-$source_dir/target}/release/pushguard"; do
		if [ -n "$candidate" ] && is_pushguard "$candidate"; then
			printf '%s\n' "$candidate"
			return 0
		fi
	done
	return 1
}

main() {
	local repo=. binary='' bin_dir='' uninstall=false script_dir hooks source dest top pushguard
	local -a flags=()

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
		--global-hooks | --source-checkout) flags+=("$1"); shift ;;
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
	repo=$(absolute_dir "$repo")
	script_dir=$(absolute_dir "$(dirname -- "${BASH_SOURCE[0]}")")

	if "$uninstall"; then
		if [ -n "$binary" ]; then
			is_pushguard "$binary" || die "$binary is not a pushguard binary (it does not answer --version as pushguard does). Pass --binary with the path of a built pushguard."
			pushguard=$binary
		elif ! pushguard=$(uninstaller "$bin_dir" "$hooks" "$script_dir"); then
			die "no pushguard binary was found to remove the hook with (not in $bin_dir, not where the hook points, not on PATH, not built in $script_dir). Pass --binary PATH with a built pushguard."
		fi
		"$pushguard" uninstall --repo "$repo" || exit 1
		if [ -f "$bin_dir/pushguard" ]; then
			printf 'the pushguard binary was left at %s; remove it with: rm %q\n' "$bin_dir/pushguard" "$bin_dir/pushguard"
		else
			printf 'the pushguard binary, if installed, was left in place; remove it from your bin directory by hand\n'
		fi
		return 0
	fi

	# Running ./install.sh in the checkout without --repo would guard pushguard's own
	# sources, which is rarely meant: say so before spending a build on it.
	top=$(git -C "$repo" rev-parse --show-toplevel 2>/dev/null || true)
	if [ -n "$top" ] && [ "$top" -ef "$script_dir" ] && [[ " ${flags[*]-} " != *" --source-checkout "* ]]; then
		die "$top is pushguard's own source checkout, so the hook would guard pushguard's sources. Nothing was installed. Pass --repo DIR with the repository to guard, or --source-checkout to guard this one anyway."
	fi
	if [ -n "$binary" ]; then
		source=$binary
	else
		source=$(build_binary "$script_dir")
	fi
	dest=$(install_binary "$source" "$bin_dir")
	printf 'installed pushguard to %s\n' "$dest"
	# The installed copy installs its own hook, naming itself.
	"$dest" install --repo "$repo" --binary "$dest" ${flags[@]+"${flags[@]}"} || exit 1
}

main "$@"

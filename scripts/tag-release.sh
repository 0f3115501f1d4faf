#!/bin/sh
# MEP-18: annotated tag of the production version on the exact commit Vercel built, pushed to the
# site's remote. Run by the ReleaseTag component (@pulumi/command local.Command) and by hand.
#
# Environment:
#   TAG      the version, e.g. v1.0.0
#   COMMIT   the commit (SHA, or a ref resolved to its commit) that was deployed
#   REPO     a local clone of the site repository (optional when REMOTE is given)
#   REMOTE   remote name or URL to fetch tags from and push the tag to (optional)
#   MESSAGE  the tag message (default: "Production release $TAG")
#
# Safe to re-run: the same tag on the same commit is a no-op; the same tag on another commit is
# an error that says so. Never deletes or moves a tag.
set -eu

die() { echo "tag-release: $*" >&2; exit 1; }

[ -n "${TAG:-}" ] || die "TAG is required (golive:release.tag)"
[ -n "${COMMIT:-}" ] || die "COMMIT is required (the deployed commit, golive:releaseRef)"
[ -n "${REPO:-}" ] || [ -n "${REMOTE:-}" ] || die "REPO or REMOTE is required (golive:release.repoPath or golive:release.remote)"
MESSAGE="${MESSAGE:-Production release $TAG}"

# Every value reaches git as an argument: none may be read as an option, whatever wrote it (the
# program validates them too; this is for a run by hand). Every git call below also ends its
# options before them (-- or --end-of-options).
for pair in "TAG=$TAG" "COMMIT=$COMMIT" "REPO=${REPO:-}" "REMOTE=${REMOTE:-}"; do
    case "${pair#*=}" in
        -*) die "${pair%%=*} must not start with '-': got ${pair#*=}" ;;
    esac
    case "${pair#*=}" in
        *"
"*) die "${pair%%=*} must be one line" ;;
    esac
done
case "${REMOTE:-}" in
    *::*) die "REMOTE must not name a remote helper (<transport>::...): got $REMOTE" ;;
esac
git check-ref-format "refs/tags/$TAG" || die "TAG $TAG is not a valid tag name"
# Only plain transports: ext:: and fd:: (which run commands) are never allowed, whatever git's config says.
GIT_ALLOW_PROTOCOL=file:git:ssh:https:http
export GIT_ALLOW_PROTOCOL

# Without a local clone, work in a throwaway bare clone of the remote.
if [ -z "${REPO:-}" ]; then
    REPO=$(mktemp -d "${TMPDIR:-/tmp}/tag-release.XXXXXX")
    trap 'rm -rf "$REPO"' EXIT
    git clone --quiet --bare -- "$REMOTE" "$REPO" || die "cannot clone $REMOTE"
fi
[ -d "$REPO" ] || die "REPO $REPO does not exist"
git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "REPO $REPO is not a git repository"

if [ -n "${REMOTE:-}" ]; then
    # The remote's tags decide: someone may have tagged from another clone.
    git -C "$REPO" fetch --quiet -- "$REMOTE" "+refs/tags/*:refs/tags/*" || die "cannot fetch tags from $REMOTE"
    # The commit may only exist on the remote yet.
    git -C "$REPO" cat-file -e --end-of-options "$COMMIT^{commit}" 2>/dev/null || git -C "$REPO" fetch --quiet -- "$REMOTE" "$COMMIT" 2>/dev/null || true
fi

SHA=$(git -C "$REPO" rev-parse --verify --quiet --end-of-options "$COMMIT^{commit}") || die "commit $COMMIT is unknown in $REPO${REMOTE:+ and $REMOTE}"

if EXISTING=$(git -C "$REPO" rev-parse --verify --quiet --end-of-options "refs/tags/$TAG^{commit}"); then
    [ "$EXISTING" = "$SHA" ] || die "tag $TAG already points to $EXISTING, not $SHA: choose another version (golive:release.tag)"
    echo "already tagged: $TAG on $SHA"
else
    # An annotated tag needs a tagger; the clone's identity wins, a neutral one otherwise.
    if git -C "$REPO" config user.email >/dev/null 2>&1; then
        git -C "$REPO" tag -a -m "$MESSAGE" -- "$TAG" "$SHA" || die "cannot create tag $TAG"
    else
        git -C "$REPO" -c user.name=golive -c user.email=golive@localhost tag -a -m "$MESSAGE" -- "$TAG" "$SHA" || die "cannot create tag $TAG"
    fi
    echo "created: $TAG on $SHA"
fi

if [ -n "${REMOTE:-}" ]; then
    # Pushing an existing identical tag is a no-op; a different one is refused by the remote.
    git -C "$REPO" push --quiet -- "$REMOTE" "refs/tags/$TAG" || die "cannot push tag $TAG to $REMOTE"
    echo "pushed: $TAG to $REMOTE"
fi

#!/usr/bin/env bash
# Nightly backup of a tinhso installation (docs/deploy.md, "Backups").
#
#   1. the PostgreSQL database, with pg_dump in custom format (restorable table by table, in parallel);
#   2. the head of the audit chain (`tinhso audit head`), kept outside the database as an anchor;
#   3. uploaded files when they are on local disk (MEDIA_ROOT), as a hard-linked incremental copy;
#   4. checksums of everything, a check that the dump is readable, then pruning and an off-site copy.
#
# Environment (from /etc/tinhso/tinhso.env and /etc/tinhso/backup.env):
#   DATABASE_URL        postgresql://... (required; never printed: it holds the password)
#   BACKUP_DIR          where backups go (default /var/backups/tinhso)
#   BACKUP_KEEP_DAYS    local backups older than this are removed (default 14)
#   BACKUP_OFFSITE      optional rsync destination, e.g. backup@10.0.0.50:/srv/backups/tinhso/
#   MEDIA_ROOT          local upload directory (skipped when S3_BUCKET is set: see docs/deploy.md)
#   TINHSO_BIN          the tinhso command (default /srv/tinhso/venv/bin/tinhso)
# Exit status is non-zero on any failure, so the systemd unit shows "failed" and alerts can fire.
set -euo pipefail
umask 077

BACKUP_DIR="${BACKUP_DIR:-/var/backups/tinhso}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"
TINHSO_BIN="${TINHSO_BIN:-/srv/tinhso/venv/bin/tinhso}"

log() { printf '%s tinhso-backup: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
fail() { log "FAILED: $*"; exit 1; }

[[ -n "${DATABASE_URL:-}" ]] || fail "DATABASE_URL is not set"
case "$DATABASE_URL" in
  postgres://* | postgresql://*) ;;
  *) fail "DATABASE_URL is not a PostgreSQL URL; back up an SQLite installation by copying its file with sqlite3 .backup" ;;
esac
[[ "$BACKUP_KEEP_DAYS" =~ ^[0-9]+$ ]] || fail "BACKUP_KEEP_DAYS must be a number of days"

mkdir -p "$BACKUP_DIR"
# One backup at a time: a slow night must not start a second dump over the first.
exec 9>"$BACKUP_DIR/.lock"
flock --nonblock 9 || fail "another backup is running"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$BACKUP_DIR/$stamp"
partial="$target.partial"
rm -rf "$partial"
mkdir -p "$partial"
trap 'rm -rf "$partial"' EXIT

log "dumping the database"
pg_dump --dbname="$DATABASE_URL" --format=custom --compress=6 --file="$partial/database.dump"
# Reading the table of contents back proves the archive is complete and readable.
pg_restore --list "$partial/database.dump" >"$partial/database.toc"
log "database dump: $(du -h "$partial/database.dump" | cut -f1), $(grep -c 'TABLE DATA' "$partial/database.toc") tables"

if [[ -x "$TINHSO_BIN" ]]; then
  # After the dump: the anchored head is then never newer than the dumped chain.
  if "$TINHSO_BIN" audit head >"$partial/audit-head.txt" 2>"$partial/audit-head.err"; then
    log "audit head: $(cat "$partial/audit-head.txt")"
  else
    log "warning: no audit head recorded: $(cat "$partial/audit-head.err")"
    rm -f "$partial/audit-head.txt"
  fi
  rm -f "$partial/audit-head.err"
else
  log "warning: $TINHSO_BIN not found, audit head not recorded"
fi

if [[ -n "${S3_BUCKET:-}" ]]; then
  log "uploads are in object storage (bucket versioning and replication back them up)"
elif [[ -n "${MEDIA_ROOT:-}" && -d "$MEDIA_ROOT" ]]; then
  log "copying uploaded files"
  previous="$BACKUP_DIR/latest/media"
  if [[ -d "$previous" ]]; then
    # Unchanged files become hard links to the previous night's copy: each night costs only
    # what changed, and every night's directory is still a complete copy.
    rsync -a --link-dest="$previous" "$MEDIA_ROOT/" "$partial/media/"
  else
    rsync -a "$MEDIA_ROOT/" "$partial/media/"
  fi
  log "uploaded files: $(find "$partial/media" -type f | wc -l) files"
else
  log "warning: no MEDIA_ROOT directory and no S3_BUCKET: uploaded files not backed up"
fi

(cd "$partial" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%P\n' | sort | xargs sha256sum >SHA256SUMS)
mv "$partial" "$target"
trap - EXIT
ln -sfn "$stamp" "$BACKUP_DIR/latest"
log "backup written to $target"

if [[ -n "${BACKUP_OFFSITE:-}" ]]; then
  log "copying off-site"
  # The whole directory with --hard-links, so that nights sharing unchanged files share them
  # off-site too; no --delete, so the off-site side keeps its own, longer retention.
  rsync -a --hard-links --exclude=.lock "$BACKUP_DIR/" "$BACKUP_OFFSITE"
fi

# Keep BACKUP_KEEP_DAYS days locally (the off-site copy has its own retention).
find "$BACKUP_DIR" -mindepth 1 -maxdepth 1 -type d -name '20*Z' -mtime "+$BACKUP_KEEP_DAYS" -print0 |
  xargs -0 --no-run-if-empty rm -rf
log "done"

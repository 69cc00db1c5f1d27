# Sourced by the scripts: puts PostgreSQL's server binaries on PATH when the
# Debian package installed them only under /usr/lib/postgresql.
if ! command -v initdb >/dev/null 2>&1; then
  for d in /usr/lib/postgresql/*/bin; do [[ -x "$d/initdb" ]] && PATH="$PATH:$d"; done
  export PATH
fi

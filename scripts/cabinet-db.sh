#!/usr/bin/env bash
# The cabinet's database on its PostgreSQL server (docs/architecture.md, « Un cabinet »):
# a login role that owns one database, nobody else may connect to it. Run on the server as
# PostgreSQL's administrator:  sudo -u postgres bash cabinet-db.sh [ROLE] [BASE]
# The role's password is read on stdin (one line), never from the command line.
# psql's usual variables (PGHOST, PGPORT, PGUSER) choose the server (default: local socket).
set -euo pipefail
role=${1:-sesam}
base=${2:-cabinet}
[[ $role =~ ^[a-z_][a-z0-9_]*$ && $base =~ ^[a-z_][a-z0-9_]*$ ]] || {
  echo "Nom de rôle ou de base invalide (lettres minuscules, chiffres, _) : $role $base" >&2
  exit 2
}
IFS= read -r password || true
[ -n "$password" ] || { echo "Mot de passe du rôle $role attendu sur l'entrée standard." >&2; exit 2; }
psql -v ON_ERROR_STOP=1 -q -d postgres -v role="$role" -v base="$base" -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'base', :'role')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'base') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'base') \gexec
SQL
echo "Base « $base » prête, au rôle « $role » : postgresql://$role@$(hostname -f 2>/dev/null || hostname):${PGPORT:-5432}/$base"

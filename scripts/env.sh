# Sourced by the other scripts: project dir, PATH with cargo's bin dir, logging.
set -euo pipefail
PROJECT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PROJECT_DIR/node_modules/.bin:$PATH"
cd "$PROJECT_DIR"
step() { printf '\n==> %s\n' "$*" >&2; }

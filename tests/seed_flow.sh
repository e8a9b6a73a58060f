#!/usr/bin/env bash
# The seed's curl commands (api.video's guide to delegated upload tokens), in the same
# shape, against a running upload-server. Run by `npm test` through scripts/with-server.mjs,
# which sets UPLOAD_SERVER_URL and UPLOAD_SERVER_API_KEY.
set -euo pipefail
: "${UPLOAD_SERVER_URL:?run through scripts/with-server.mjs}" "${UPLOAD_SERVER_API_KEY:?}"
base=$UPLOAD_SERVER_URL
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined)process.exit(1);console.log(v)})' "$1"; }
fail() { echo "seed_flow: $*" >&2; exit 1; }
expect_status() { [ "$1" = "$2" ] || fail "$3: expected HTTP $2, got $1: $(cat "$work/body")"; }

# The seed authenticates with a Bearer token: get one for the API key.
bearer=$(curl -sS --request POST --url "$base/auth/api-key" --header 'Content-Type: application/json' \
  --data "{\"apiKey\":\"$UPLOAD_SERVER_API_KEY\"}" | json access_token)

# Generate a delegated upload token.
status=$(curl -sS -o "$work/body" -w '%{http_code}' --request POST \
     --url "$base/upload-tokens" \
     --header 'Accept: application/json' \
     --header "Authorization: Bearer $bearer" \
     --header 'Content-Type: application/json' \
     --data '{"ttl":100}')
expect_status "$status" 200 "create token"
token=$(json token < "$work/body")
[ "$(json ttl < "$work/body")" = 100 ] || fail "ttl is not 100"
json expiresAt < "$work/body" >/dev/null || fail "a ttl-100 token has no expiresAt"

# Upload a video with the delegated token (one request: a file under 200 MiB).
head -c 3000000 /dev/urandom > "$work/FILEPATH.mp4"
status=$(curl -sS -o "$work/body" -w '%{http_code}' --request POST \
     --url "$base/upload?token=$token" \
     --header 'Accept: application/json' \
     --header 'Content-Type: multipart/form-data' \
     --form file=@"$work/FILEPATH.mp4")
expect_status "$status" 201 "upload"
video=$(json videoId < "$work/body")
[ "$(json title < "$work/body")" = FILEPATH.mp4 ] || fail "the title is not the file name"
curl -sS -o "$work/downloaded" "$base/vod/$video/mp4/source.mp4"
cmp -s "$work/FILEPATH.mp4" "$work/downloaded" || fail "the stored video differs from the uploaded file"

# List all tokens.
status=$(curl -sS -o "$work/body" -w '%{http_code}' --request GET \
     --url "$base/upload-tokens?currentPage=1&pageSize=25" \
     --header 'Accept: application/json' \
     --header "Authorization: Bearer $bearer")
expect_status "$status" 200 "list tokens"
grep -q "\"$token\"" "$work/body" || fail "the new token is not listed"
grep -q '"pagination"' "$work/body" || fail "no pagination in the list"

# Show details about a specific token.
status=$(curl -sS -o "$work/body" -w '%{http_code}' --request GET \
     --url "$base/upload-tokens/$token" \
     --header 'Accept: application/json' \
     --header "Authorization: Bearer $bearer")
expect_status "$status" 200 "get token"
[ "$(json token < "$work/body")" = "$token" ] || fail "get returned another token"

# Delete the token.
status=$(curl -sS -o "$work/body" -w '%{http_code}' --request DELETE \
     --url "$base/upload-tokens/$token" \
     --header 'Accept: application/json' \
     --header "Authorization: Bearer $bearer")
expect_status "$status" 204 "delete token"

# The deleted token no longer uploads.
status=$(curl -sS -o "$work/body" -w '%{http_code}' --request POST \
     --url "$base/upload?token=$token" \
     --header 'Accept: application/json' \
     --form file=@"$work/FILEPATH.mp4")
expect_status "$status" 401 "upload with a deleted token"
[ "$(json title < "$work/body")" = "The upload token is invalid or expired." ] || fail "unexpected 401 body"

echo "seed_flow: ok (create 200, upload 201 as $video, list 200, get 200, delete 204, deleted token 401)"

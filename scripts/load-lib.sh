# Shared by the scripts that drive traffic (soak.sh, rolling-restart.sh): sign in through the
# real forms and give a Cloud PBX a token, exporting what benches/soak.lua reads. Sourced, not
# run. Needs BASE (the portal's URL) and WORK (a scratch folder) set, and the demo data.

LOAD_PASSWORD=Demo-Portal-2026 # demo::DEMO_PASSWORD

# The session's CSRF token, as every page shows it.
csrf_of() { grep -o 'name="csrf_token" value="[^"]*"' | sed -n 1p | cut -d'"' -f4; }

load_die() { echo "${0##*/}: $*" >&2; exit 1; }

# Signs in through the real form; exports SOAK_<ROLE>_COOKIE and SOAK_<ROLE>_CSRF.
sign_in() {
  local role=$1 email=$2 jar="$WORK/$1.jar" csrf login cookie
  csrf=$(curl -fsS -c "$jar" "$BASE/login" | csrf_of)
  [[ -n $csrf ]] || load_die "no csrf_token on /login"
  login=$(curl -sS -b "$jar" -c "$jar" -o /dev/null -w '%{http_code} %{redirect_url}' \
    --data-urlencode "csrf_token=$csrf" --data-urlencode "email=$email" \
    --data-urlencode "password=$LOAD_PASSWORD" --data-urlencode "next=" "$BASE/login")
  [[ $login == 303\ $BASE/* && $login != *"/login"* ]] || load_die "sign-in as $email answered: $login"
  cookie="portal_session=$(awk '$6 == "portal_session" { v = $7 } END { print v }' "$jar")"
  [[ $cookie != "portal_session=" ]] || load_die "no session cookie for $email"
  csrf=$(curl -fsS -H "Cookie: $cookie" "$BASE/$role/security" | csrf_of)
  [[ -n $csrf ]] || load_die "no csrf_token on /$role/security"
  export "SOAK_${role^^}_COOKIE=$cookie" "SOAK_${role^^}_CSRF=$csrf"
  echo "$role: signed in as $email"
}

# Signs in the demo customer, partner and manager.
sign_in_demo_accounts() {
  sign_in customer it@acme-logistics.example
  sign_in partner partner@northwind.example
  sign_in manager manager@demo.yeastar.example
}

# A Cloud PBX to send heartbeats: the signed-in customer starts a trial (or has one) and
# issues the instance a token; exports SOAK_PBX_TOKEN.
issue_pbx_token() {
  local instance
  curl -fsS -o /dev/null -H "Cookie: $SOAK_CUSTOMER_COOKIE" --data-urlencode "csrf_token=$SOAK_CUSTOMER_CSRF" \
    "$BASE/customer/trials/cloud_pbx"
  instance=$(curl -fsS -H "Cookie: $SOAK_CUSTOMER_COOKIE" "$BASE/customer/central-management" |
    grep -o '/customer/central-management/[0-9a-f-]\{36\}' | sed -n 1p)
  [[ -n $instance ]] || load_die "the trial created no Cloud PBX instance"
  SOAK_PBX_TOKEN=$(curl -fsS -H "Cookie: $SOAK_CUSTOMER_COOKIE" --data-urlencode "csrf_token=$SOAK_CUSTOMER_CSRF" \
    "$BASE$instance/token" | grep -o 'id="pbx-token">[^<]*' | cut -d'>' -f2)
  [[ -n $SOAK_PBX_TOKEN ]] || load_die "no PBX token shown on $instance"
  export SOAK_PBX_TOKEN
  echo "pbx: $instance reports with a bearer token"
}

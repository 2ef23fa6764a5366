package shellenv

// PromptFuncName is the shell function PromptFunction defines.
const PromptFuncName = "assume_role_prompt"

// PromptFunction returns shell code defining the function assume_role_prompt,
// which prints the same segment as PromptSegment (`assume-role prompt`), such
// as "aws:(prod:read 47m)", from the exported variables alone and without
// starting any program: the time left comes from the shell's own clock
// (EPOCHSECONDS in bash 5 and zsh's zsh/datetime, printf '%(%s)T' in bash 4.2+,
// [DateTimeOffset]::UtcNow in PowerShell). Only fish, which has no clock of
// its own, and bash before 4.2 run date +%s. AWS_CREDENTIAL_EXPIRATION is
// parsed as RFC 3339 by shell arithmetic (days from the civil date), so no
// GNU date is needed.
//
// Variable content is only ever pattern-substituted and printed with %s,
// never evaluated; characters other than letters, digits, marks, spaces and
// -_.@+=,/: become '_' as in PromptSegment, so the output carries no prompt
// escapes (% or \), no $ or backquote, and no control characters. Letters and
// digits outside ASCII follow the shell: bash and zsh use the locale's
// [[:alnum:]] (marks become '_'), fish and PowerShell Unicode classes. The
// result can differ from the binary's within a second of a minute boundary,
// since the shells count whole seconds.
//
// It returns "" for the env format.
func PromptFunction(sh Shell) string {
	switch sh {
	case Bash, Zsh:
		return promptPOSIX
	case Fish:
		return promptFish
	case PowerShell:
		return promptPowerShell
	}
	return ""
}

// promptPOSIX runs in bash (3.2 and later) and zsh. In zsh it emulates zsh
// locally, so the user's options (KSH_ARRAYS, OCTAL_ZEROES, ...) do not apply.
const promptPOSIX = `# assume_role_prompt prints the assumed role for a prompt, like assume-role prompt, with no process:
#   PS1='$(assume_role_prompt)'"$PS1"
assume_role_prompt() {
  if [ -n "${ZSH_VERSION-}" ]; then
    emulate -L zsh
    zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null
  fi
  local __ar_acct="${AWS_ACCOUNT_NAME-}" __ar_role="${AWS_ACCOUNT_ROLE-}" __ar_label __ar_exp __ar_now __ar_d __ar_m
  [ -n "$__ar_acct" ] || __ar_acct="${AWS_ACCOUNT_ID-}"
  [ -n "$__ar_acct$__ar_role" ] || return 0
  __ar_label="${__ar_acct//[![:alnum:] _.@+=,\/:-]/_}"
  if [ -n "$__ar_role" ]; then
    [ -z "$__ar_label" ] || __ar_label="$__ar_label:"
    __ar_label="$__ar_label${__ar_role//[![:alnum:] _.@+=,\/:-]/_}"
  fi
  for __ar_exp in "${AWS_CREDENTIAL_EXPIRATION-}" "${AWS_SESSION_EXPIRATION-}"; do
    __assume_role_epoch "$__ar_exp" || continue
    __ar_now="${EPOCHSECONDS-}"
    if [ -z "$__ar_now" ]; then
      if [ -n "${BASH_VERSION-}" ] && [ "${BASH_VERSINFO[0]}${BASH_VERSINFO[1]}" -ge 42 ]; then
        printf -v __ar_now '%(%s)T' -1
      else
        __ar_now="$(date +%s)"
      fi
    fi
    __ar_d=$(( __assume_role_epoch_value - __ar_now ))
    if [ "$__ar_d" -le 0 ]; then
      __ar_label="$__ar_label expired"
    elif [ "$__ar_d" -lt 3600 ]; then
      __ar_label="$__ar_label $(( __ar_d / 60 ))m"
    else
      __ar_m=$(( __ar_d / 60 % 60 ))
      [ "$__ar_m" -ge 10 ] || __ar_m="0$__ar_m"
      __ar_label="$__ar_label $(( __ar_d / 3600 ))h${__ar_m}m"
    fi
    break
  done
  printf 'aws:(%s)\n' "$__ar_label"
}

# __assume_role_epoch sets __assume_role_epoch_value to the Unix time of an RFC 3339 date-time
# (2026-12-02T20:31:05Z, optional fraction, Z or +hh:mm), or fails.
__assume_role_epoch() {
  if [ -n "${ZSH_VERSION-}" ]; then
    emulate -L zsh
  fi
  local s="$1" y mo d h mi se z off=0 dim era yoe doy
  case "$s" in
    [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*) ;;
    *) return 1 ;;
  esac
  y=$(( 10#${s:0:4} )) mo=$(( 10#${s:5:2} )) d=$(( 10#${s:8:2} ))
  h=$(( 10#${s:11:2} )) mi=$(( 10#${s:14:2} )) se=$(( 10#${s:17:2} ))
  z="${s:19}"
  case "$z" in
    [.,][0-9]*)
      z="${z:1}"
      while :; do
        case "$z" in
          [0-9]*) z="${z:1}" ;;
          *) break ;;
        esac
      done
      ;;
  esac
  case "$z" in
    Z) ;;
    [+-][0-9][0-9]:[0-9][0-9])
      [ $(( 10#${z:1:2} )) -lt 24 ] && [ $(( 10#${z:4:2} )) -lt 60 ] || return 1
      off=$(( 10#${z:1:2} * 3600 + 10#${z:4:2} * 60 ))
      [ "${z:0:1}" = "+" ] || off=$(( -off ))
      ;;
    *) return 1 ;;
  esac
  case "$mo" in
    1|3|5|7|8|10|12) dim=31 ;;
    4|6|9|11) dim=30 ;;
    2) dim=$(( y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) ? 29 : 28 )) ;;
    *) return 1 ;;
  esac
  [ "$d" -ge 1 ] && [ "$d" -le "$dim" ] && [ "$h" -lt 24 ] && [ "$mi" -lt 60 ] && [ "$se" -lt 60 ] || return 1
  # Days from the civil date (H. Hinnant's algorithm), in truncating shell arithmetic.
  [ "$mo" -gt 2 ] || y=$(( y - 1 ))
  era=$(( (y >= 0 ? y : y - 399) / 400 ))
  yoe=$(( y - era * 400 ))
  doy=$(( (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1 ))
  __assume_role_epoch_value=$(( (era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468) * 86400 + h * 3600 + mi * 60 + se - off ))
}
`

// promptFish needs fish 3.2 or later (string pad); fish has no clock of its
// own, so it runs date +%s once when an expiration is set.
const promptFish = `# assume_role_prompt prints the assumed role for a prompt, like assume-role prompt:
#   function fish_right_prompt; assume_role_prompt; end
function assume_role_prompt --description 'Print the assumed AWS role for a prompt'
    set -l account "$AWS_ACCOUNT_NAME"
    test -n "$account"; or set account "$AWS_ACCOUNT_ID"
    set -l role "$AWS_ACCOUNT_ROLE"
    test -n "$account$role"; or return 0
    set -l label (string replace -ra -- '[^\p{L}\p{Nd}\p{M} _.@+=,/:-]' _ "$account")
    if test -n "$role"
        test -z "$label"; or set label "$label:"
        set label "$label"(string replace -ra -- '[^\p{L}\p{Nd}\p{M} _.@+=,/:-]' _ "$role")
    end
    for exp in "$AWS_CREDENTIAL_EXPIRATION" "$AWS_SESSION_EXPIRATION"
        set -l m (string match -r -- '^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:[.,][0-9]+)?(Z|([+-])([0-9]{2}):([0-9]{2}))$' "$exp")
        or continue
        set -l y (math $m[2]); set -l mo (math $m[3]); set -l d (math $m[4])
        set -l h (math $m[5]); set -l mi (math $m[6]); set -l se (math $m[7])
        set -l off 0
        if test "$m[8]" != Z
            test (math $m[10]) -lt 24 -a (math $m[11]) -lt 60; or continue
            set off (math "$m[10] * 3600 + $m[11] * 60")
            test "$m[9]" = +; or set off (math "0 - $off")
        end
        set -l dim 31
        switch $mo
            case 4 6 9 11
                set dim 30
            case 2
                set dim 28
                if test (math "$y % 4") -eq 0 -a \( (math "$y % 100") -ne 0 -o (math "$y % 400") -eq 0 \)
                    set dim 29
                end
        end
        test $mo -ge 1 -a $mo -le 12 -a $d -ge 1 -a $d -le $dim -a $h -lt 24 -a $mi -lt 60 -a $se -lt 60; or continue
        # Days from the civil date (H. Hinnant's algorithm), with floor division.
        test $mo -gt 2; or set y (math "$y - 1")
        set -l era (math "floor($y / 400)")
        set -l yoe (math "$y - $era * 400")
        set -l mp (math "$mo + 9"); test $mo -gt 2; and set mp (math "$mo - 3")
        set -l doy (math "floor((153 * $mp + 2) / 5) + $d - 1")
        set -l days (math "$era * 146097 + $yoe * 365 + floor($yoe / 4) - floor($yoe / 100) + $doy - 719468")
        set -l left (math "$days * 86400 + $h * 3600 + $mi * 60 + $se - $off - "(date +%s))
        if test $left -le 0
            set label "$label expired"
        else if test $left -lt 3600
            set label "$label "(math "floor($left / 60)")m
        else
            set label "$label "(math "floor($left / 3600)")h(string pad -w 2 -c 0 (math "floor($left / 60) % 60"))m
        end
        break
    end
    printf 'aws:(%s)\n' "$label"
end
`

const promptPowerShell = `# assume_role_prompt prints the assumed role for a prompt, like assume-role prompt, with no process:
#   function prompt { "$(assume_role_prompt) PS $($PWD.Path)> " }
function assume_role_prompt {
    $account = $Env:AWS_ACCOUNT_NAME
    if (-not $account) { $account = $Env:AWS_ACCOUNT_ID }
    $role = $Env:AWS_ACCOUNT_ROLE
    if (-not $account -and -not $role) { return }
    $bad = '[^\p{L}\p{Nd}\p{M} _.@+=,/:-]'
    $label = [regex]::Replace([string]$account, $bad, '_')
    if ($role) {
        if ($label) { $label += ':' }
        $label += [regex]::Replace([string]$role, $bad, '_')
    }
    foreach ($value in @($Env:AWS_CREDENTIAL_EXPIRATION, $Env:AWS_SESSION_EXPIRATION)) {
        if ([string]$value -cnotmatch '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.,][0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$') { continue }
        $t = [DateTimeOffset]::MinValue
        $styles = [Globalization.DateTimeStyles]::AssumeUniversal
        if (-not [DateTimeOffset]::TryParse(($value -replace ',', '.'), [Globalization.CultureInfo]::InvariantCulture, $styles, [ref]$t)) { continue }
        $left = $t.ToUnixTimeSeconds() - [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
        if ($left -le 0) { $label += ' expired' }
        elseif ($left -lt 3600) { $label += ' {0}m' -f [math]::Floor($left / 60) }
        else { $label += ' {0}h{1:D2}m' -f [long][math]::Floor($left / 3600), [long]([math]::Floor($left / 60) % 60) }
        break
    }
    "aws:($label)"
}
`

package stsemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const signinTokenLifetime = 15 * time.Minute

type signinToken struct {
	akid    string
	expires time.Time
}

// serveFederation emulates https://signin.aws.amazon.com/federation:
// Action=getSigninToken exchanges temporary credentials for a sign-in token,
// Action=login redirects to Destination when the token is valid.
func (s *Server) serveFederation(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	action := q.Get("Action")
	entry := LogEntry{Time: s.now(), Service: "signin", Action: action, Params: redactParams(q)}
	fail := func(status int, msg string) {
		entry.ErrorCode = strconv.Itoa(status)
		s.record(entry)
		http.Error(w, msg, status)
	}
	switch strings.ToLower(action) {
	case "getsignintoken":
		tok, caller, msg := s.signinToken(q)
		entry.CallerARN = caller
		if msg != "" {
			fail(http.StatusBadRequest, msg)
			return
		}
		s.record(entry)
		writeJSON(w, http.StatusOK, map[string]string{"SigninToken": tok})
	case "login":
		dest := q.Get("Destination")
		u, err := url.Parse(dest)
		if dest == "" || err != nil || !u.IsAbs() {
			fail(http.StatusBadRequest, "Destination must be an absolute URL")
			return
		}
		s.mu.Lock()
		t, ok := s.signinTokens[q.Get("SigninToken")]
		valid := ok && s.now().Before(t.expires)
		if valid {
			if sess := s.sessions[t.akid]; sess != nil {
				entry.CallerARN = sess.arn
			}
		}
		s.mu.Unlock()
		if !valid {
			fail(http.StatusBadRequest, "The sign-in token is invalid or expired")
			return
		}
		s.record(entry)
		http.Redirect(w, r, dest, http.StatusFound)
	default:
		fail(http.StatusBadRequest, "Action must be getSigninToken or login")
	}
}

// signinToken validates the Session parameter and mints a token. It returns
// an error message (never containing secrets) on failure.
func (s *Server) signinToken(q url.Values) (token, callerARN, msg string) {
	var creds struct {
		ID    string `json:"sessionId"`
		Key   string `json:"sessionKey"`
		Token string `json:"sessionToken"`
	}
	if err := json.Unmarshal([]byte(q.Get("Session")), &creds); err != nil || creds.ID == "" {
		return "", "", "Session must be a JSON object with sessionId, sessionKey and sessionToken"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[creds.ID]
	if sess == nil || !equalConst(sess.secret, creds.Key) || !equalConst(sess.token, creds.Token) {
		return "", "", "The session credentials are invalid"
	}
	if !s.now().Before(sess.expires) {
		return "", sess.arn, "The session credentials are expired"
	}
	if sess.kind == kindSessionToken {
		return "", sess.arn, "Credentials from GetSessionToken cannot be used for console sign-in"
	}
	if d, ok := q["SessionDuration"]; ok {
		if sess.kind == kindFederated {
			return "", sess.arn, "SessionDuration is not supported for federated user sessions"
		}
		n, err := strconv.Atoi(d[0])
		if err != nil || n < 900 || n > 43200 {
			return "", sess.arn, "SessionDuration must be between 900 and 43200"
		}
	}
	token = randString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", 320)
	s.signinTokens[token] = signinToken{akid: sess.akid, expires: s.now().Add(signinTokenLifetime)}
	return token, sess.arn, ""
}

package httpapi

import (
	"errors"
	"math"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// Token route messages (CONTRACT §1).
const (
	msgCredentialsRequired = "client_id and client_secret are required"
	msgClientAuthFailed    = "Client authentication failed"
)

// maxClientID bounds a client_id worth looking up: API client ids are at
// most 64 characters.
const maxClientID = 255

// token issues an access token (POST /api/auth/token).
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "application/x-www-form-urlencoded" {
		s.oauthError(w, r, http.StatusBadRequest, redcloud.OAuthInvalidRequest, "Content-Type must be application/x-www-form-urlencoded")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.oauthError(w, r, http.StatusRequestEntityTooLarge, redcloud.OAuthInvalidRequest, "request body exceeds 64 KiB")
			return
		}
		s.oauthError(w, r, http.StatusBadRequest, redcloud.OAuthInvalidRequest, "malformed form body")
		return
	}
	form := r.PostForm
	for _, k := range []string{"grant_type", "client_id", "client_secret"} {
		if len(form[k]) > 1 {
			s.oauthError(w, r, http.StatusBadRequest, redcloud.OAuthInvalidRequest, k+" must appear once")
			return
		}
	}
	id, secret := form.Get("client_id"), form.Get("client_secret")
	basicID, basicSecret, basic := r.BasicAuth()
	if r.Header.Get("Authorization") != "" && !basic {
		s.oauthError(w, r, http.StatusBadRequest, redcloud.OAuthInvalidRequest, "malformed Authorization header; use HTTP Basic")
		return
	}
	if basic {
		if form.Has("client_id") || form.Has("client_secret") {
			s.oauthError(w, r, http.StatusBadRequest, redcloud.OAuthInvalidRequest,
				"use one client authentication method: HTTP Basic or client_id and client_secret in the body, not both")
			return
		}
		// RFC 6749 §2.3.1: Basic credentials are form-encoded first.
		id, secret = formDecode(basicID), formDecode(basicSecret)
	}
	if id == "" || secret == "" {
		s.oauthError(w, r, http.StatusBadRequest, redcloud.OAuthInvalidRequest, msgCredentialsRequired)
		return
	}
	if form.Get("grant_type") != "client_credentials" {
		s.oauthError(w, r, http.StatusBadRequest, redcloud.OAuthUnsupportedGrantType, "Only client_credentials is supported")
		return
	}
	// Failed attempts are counted in the database, so the limit holds across
	// every server process sharing it. A client_id no client can have (over
	// 255 bytes: PostgreSQL cannot index it; U+0000 or invalid UTF-8: it
	// cannot store it) is an unknown client, counted by address only.
	known := len(id) <= maxClientID && storable(id)
	keys := []string{"addr:" + throttleAddr(r)}
	if known {
		keys = append(keys, "client:"+id)
	}
	now := s.now()
	var c platform.APIClient
	err := platform.ErrNotFound
	if known {
		c, err = s.db.GetAPIClient(r.Context(), id)
	}
	if err != nil && !errors.Is(err, platform.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	// Compare even for an unknown client so timing does not reveal which
	// client_ids exist.
	hash := c.SecretHash
	if err != nil {
		hash = platform.HashSecret("unknown client")
	}
	if !platform.SecretMatches(secret, hash) || err != nil {
		// The throttle brakes failures only: a request with the right secret
		// is never refused by it, or anyone who knows a client_id (every
		// webhook body carries one) could lock its owner out.
		until, blocked, err := s.db.AuthBlocked(r.Context(), keys, s.cfg.AuthFailureLimit, s.cfg.AuthFailureWindow, now)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if blocked {
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(until.Sub(now).Seconds())))))
			s.oauthError(w, r, http.StatusTooManyRequests, redcloud.OAuthTemporarilyUnavailable, "too many failed authentication attempts")
			return
		}
		if err := s.db.AuthFailed(r.Context(), keys, s.cfg.AuthFailureWindow, now); err != nil {
			s.log.Error("record failed authentication", "requestId", info(r).id, "err", err)
		}
		s.invalidClient(w, r, basic, msgClientAuthFailed)
		return
	}
	info(r).apiClientID = c.ID
	if c.Status != redcloud.StatusActive {
		s.invalidClient(w, r, basic, "API client is not active")
		return
	}
	if c.AccountStatus != redcloud.StatusActive {
		s.invalidClient(w, r, basic, "account is not active")
		return
	}
	if wait, ok := s.issued.allow(c.ID); !ok {
		w.Header().Set("Retry-After", wait)
		s.oauthError(w, r, http.StatusTooManyRequests, redcloud.OAuthTemporarilyUnavailable,
			"too many access tokens issued for this client; reuse a token until it expires (expires_in)")
		return
	}
	token := platform.NewSecret(platform.PrefixToken)
	if err := s.db.InsertToken(r.Context(), platform.Token{
		Hash: platform.HashSecret(token), APIClientID: c.ID, ExpiresAt: now.Add(s.cfg.TokenTTL), CreatedAt: now,
	}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, redcloud.TokenResponse{
		AccessToken: token, TokenType: "bearer", ExpiresIn: int64(s.cfg.TokenTTL.Seconds()),
	})
}

func (s *Server) invalidClient(w http.ResponseWriter, r *http.Request, basic bool, desc string) {
	if basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="redcloud"`)
	}
	s.oauthError(w, r, http.StatusUnauthorized, redcloud.OAuthInvalidClient, desc)
}

func formDecode(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return s
}

// throttleAddr is the address key of the failure throttle: the TCP peer,
// IPv6 peers by their /64 (one subscriber's whole allocation, which an
// attacker could otherwise walk through).
func throttleAddr(r *http.Request) string {
	host := remoteHost(r)
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if ip = ip.Unmap(); ip.Is4() {
		return ip.String()
	}
	p, _ := ip.WithZone("").Prefix(64)
	return p.String()
}

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

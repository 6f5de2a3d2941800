package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/redcloud-core/redcloud"
	"github.com/redcloud-core/redcloud/internal/operator"
	"github.com/redcloud-core/redcloud/internal/platform"
)

// cookieName is the session cookie.
const cookieName = "rc_console"

// actor is the logged-in operator of a request, and the Operator that acts
// in their name.
type actor struct {
	info  operator.OperatorInfo
	op    *operator.Operator
	token string
}

type ctxKey struct{}

// acting returns the request's operator, or nil before login.
func acting(r *http.Request) *actor {
	a, _ := r.Context().Value(ctxKey{}).(*actor)
	return a
}

// op returns the Operator acting for the request's operator.
func op(r *http.Request) *operator.Operator { return acting(r).op }

// role says who may use a handler.
type role int

const (
	anyone    role = iota // any logged-in operator
	adminOnly             // admins: every state-changing POST
)

// auth requires a live session: without one a page redirects to /login
// (an htmx request is told to go there), and a POST of a viewer to an
// adminOnly handler is refused 403 with nothing changed.
func (c *Console) auth(need role, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(cookieName)
		var info operator.OperatorInfo
		if err != nil {
			err = platform.Errorf(redcloud.CodeUnauthorized, "not logged in")
		} else {
			info, _, err = c.op.LookupSession(r.Context(), ck.Value)
		}
		if err != nil {
			if e, ok := platform.AsError(err); !ok || e.Code != redcloud.CodeUnauthorized {
				c.internal(w, r, err)
				return
			}
			if ck != nil {
				clearCookie(w, r)
			}
			to := "/login"
			if r.Method == http.MethodGet && r.URL.Path != "/" {
				to += "?next=" + url.QueryEscape(r.URL.RequestURI())
			}
			if r.Header.Get("HX-Request") == "true" {
				w.Header().Set("HX-Redirect", to)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			redirect(w, r, to)
			return
		}
		if need == adminOnly && !info.IsAdmin() {
			c.errorPage(w, r, http.StatusForbidden, "Your role ("+info.Role+") may look at everything but change nothing; ask an admin.")
			return
		}
		a := &actor{info: info, op: c.op.As(info.Email), token: ck.Value}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, a)))
	})
}

// setCookie sets the session cookie: HttpOnly (no script reads it),
// SameSite=Lax (not sent with other sites' POSTs), Secure over TLS, and
// expiring with the session.
func setCookie(w http.ResponseWriter, r *http.Request, s operator.Session) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: s.Token, Path: "/", Expires: s.ExpiresAt,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
}

// localPath returns next when it is a path on this console, else "/": a
// login link must not send the operator to another site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/"
	}
	return next
}

type loginData struct {
	Email, Next string
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "login", view{Title: "Log in", Data: loginData{Next: localPath(r.URL.Query().Get("next"))}})
}

// login checks the form's email and password (operator.Login: throttled
// per address and email) and sets the session cookie.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		c.errorPage(w, r, http.StatusBadRequest, "The login form could not be read.")
		return
	}
	email, next := r.PostForm.Get("email"), localPath(r.PostForm.Get("next"))
	s, err := c.op.Login(r.Context(), email, r.PostForm.Get("password"), clientAddr(r))
	if err != nil {
		e, ok := platform.AsError(err)
		if !ok {
			c.internal(w, r, err)
			return
		}
		status := http.StatusUnauthorized
		if wait := operator.RetryAfter(err); wait > 0 {
			status = http.StatusTooManyRequests
			w.Header().Set("Retry-After", strconv.Itoa(wait))
		}
		c.render(w, r, status, "login", view{Title: "Log in", Error: e.Message, Data: loginData{Email: email, Next: next}})
		return
	}
	setCookie(w, r, s)
	redirect(w, r, next)
}

// logout ends the session, whatever the operator's role.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if err := c.op.Logout(r.Context(), acting(r).token); err != nil {
		c.internal(w, r, err)
		return
	}
	clearCookie(w, r)
	redirect(w, r, "/login")
}

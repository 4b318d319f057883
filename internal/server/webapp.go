package server

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/webapp"
	"github.com/parleyim/parley/usersig"
)

// The web app's own endpoints, bounded like every other door: a 4 KiB body,
// a node-wide token bucket (refused before the body is read), UserIDs by
// the account rules, admins never signed.
const (
	devLoginMaxBody = 4 << 10
	devLoginRate    = 5  // tickets per second, node-wide
	devLoginBurst   = 20 // tickets at once
	// DevLoginExpire is the life of a development UserSig, in seconds.
	DevLoginExpire = 7 * 24 * 3600
)

// WebAppPath is where the app is served; the banner prints it.
const WebAppPath = "/app/"

// mountWebApp serves the embedded app at /app/ and its endpoints:
//
//	GET  /app/api/config     {SDKAppID, devLogin}: what the login screen offers
//	POST /app/api/dev-login  {userID[, SDKAppID]} → {SDKAppID, userSig, expire}
//
// The development login signs a UserSig for any typed UserID (importing the
// account), so it is on only when devLogin is (Options.DevLogin); off, it
// answers HTTP 403 with code 60010 and says how to turn it on.
func (n *Node) mountWebApp(mux *http.ServeMux, devLogin bool) {
	mux.Handle("GET /app", http.RedirectHandler(WebAppPath, http.StatusMovedPermanently))
	mux.Handle(WebAppPath, webapp.Handler(WebAppPath))
	d := &devLoginHandler{apps: n.Apps, accounts: n.Accounts, on: devLogin,
		bucket: tokenBucket{rate: devLoginRate, burst: devLoginBurst}}
	mux.HandleFunc("GET /app/api/config", d.config)
	mux.HandleFunc("/app/api/dev-login", d.login) // any method: 405 but POST, not the files' 404
}

type devLoginHandler struct {
	apps     *app.Registry
	accounts *account.Service
	on       bool
	bucket   tokenBucket
	now      func() time.Time // tests; nil is time.Now
}

// appConfig is what the login screen needs before anyone is logged in.
type appConfig struct {
	SDKAppID uint64 `json:"SDKAppID"`
	DevLogin bool   `json:"devLogin"`
}

type devLoginRequest struct {
	UserID   string `json:"userID"`
	SDKAppID uint64 `json:"SDKAppID"`
}

type devLoginResponse struct {
	SDKAppID uint64 `json:"SDKAppID"`
	UserID   string `json:"userID"`
	UserSig  string `json:"userSig"`
	Expire   int64  `json:"expire"`
}

// devLoginError is Tencent's envelope, the shape every Parley door fails in.
type devLoginError struct {
	ActionStatus string `json:"ActionStatus"`
	ErrorCode    int    `json:"ErrorCode"`
	ErrorInfo    string `json:"ErrorInfo"`
}

func (d *devLoginHandler) config(w http.ResponseWriter, _ *http.Request) {
	all := d.apps.All()
	writeAppJSON(w, http.StatusOK, appConfig{SDKAppID: all[0].SDKAppID, DevLogin: d.on})
}

func (d *devLoginHandler) login(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		failDevLogin(w, http.StatusMethodNotAllowed, errcode.HTTPParse, "dev-login takes a POST of {\"userID\": \"...\"}")
		return
	}
	if !d.on {
		failDevLogin(w, http.StatusForbidden, errcode.RequiresAdmin,
			"development login is off: it is on by itself only for the default app on a loopback listen address; "+
				"turn it on with PARLEY_DEV_LOGIN=1 or dev_login = true, or get a UserSig from your app server")
		return
	}
	now := time.Now
	if d.now != nil {
		now = d.now
	}
	if !d.bucket.take(now()) {
		w.Header().Set("Retry-After", "1")
		failDevLogin(w, http.StatusTooManyRequests, errcode.RateLimited, "too many development logins: try again in a second")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, devLoginMaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			failDevLogin(w, http.StatusRequestEntityTooLarge, errcode.HTTPParse, "body over "+strconv.Itoa(devLoginMaxBody)+" bytes")
			return
		}
		failDevLogin(w, http.StatusBadRequest, errcode.HTTPParse, "reading the body: "+err.Error())
		return
	}
	var req devLoginRequest
	if err := json.Unmarshal(body, &req); err != nil {
		failDevLogin(w, http.StatusBadRequest, errcode.JSONParse, "want a JSON object {\"userID\": \"...\"}: "+err.Error())
		return
	}
	a := d.apps.All()[0]
	if req.SDKAppID != 0 {
		var ok bool
		if a, ok = d.apps.Lookup(req.SDKAppID); !ok {
			failDevLogin(w, http.StatusBadRequest, errcode.InvalidSDKAppID, "no app "+strconv.FormatUint(req.SDKAppID, 10))
			return
		}
	}
	if !account.ValidUserID(req.UserID) {
		failDevLogin(w, http.StatusBadRequest, errcode.AccountInvalidParam,
			"invalid UserID: 1 to 32 characters of letters, digits, underscores and hyphens")
		return
	}
	if a.IsAdmin(req.UserID) {
		// An admin's UserSig opens the whole REST API: never for a typed name.
		failDevLogin(w, http.StatusForbidden, errcode.RequiresAdmin, "the development login does not sign for admin accounts")
		return
	}
	if err := d.accounts.Import(r.Context(), a, req.UserID, "", ""); err != nil {
		e := errcode.As(err, errcode.AccountInternal)
		failDevLogin(w, http.StatusInternalServerError, e.Code, e.Info)
		return
	}
	sig, err := usersig.Generate(a.SDKAppID, a.SecretKey, req.UserID, DevLoginExpire, now())
	if err != nil {
		failDevLogin(w, http.StatusInternalServerError, errcode.AccountInternal, "signing: "+err.Error())
		return
	}
	writeAppJSON(w, http.StatusOK, devLoginResponse{SDKAppID: a.SDKAppID, UserID: req.UserID, UserSig: sig, Expire: DevLoginExpire})
}

func failDevLogin(w http.ResponseWriter, status, code int, info string) {
	writeAppJSON(w, status, devLoginError{ActionStatus: "FAIL", ErrorCode: code, ErrorInfo: info})
}

func writeAppJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// tokenBucket admits rate calls per second with bursts of burst; the zero
// time starts it full.
type tokenBucket struct {
	rate, burst float64
	mu          sync.Mutex
	tokens      float64
	last        time.Time
}

func (b *tokenBucket) take(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.last.IsZero() {
		b.tokens = b.burst
	} else if d := now.Sub(b.last).Seconds(); d > 0 {
		b.tokens = min(b.burst, b.tokens+d*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

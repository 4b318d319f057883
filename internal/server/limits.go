package server

import (
	"net/http"
	"time"

	"github.com/parleyim/parley/internal/restapi"
)

// Production HTTP limits; Options fields of the same names override them.
const (
	// DefaultBodyTimeout bounds reading a request body, counted from when
	// the handler starts: a 1 MB body needs only 100 KB/s.
	DefaultBodyTimeout = 10 * time.Second
	// DefaultRequestTimeout bounds a REST call's work (its context).
	DefaultRequestTimeout = restapi.DefaultRequestTimeout
	// DefaultMaxHeaderBytes caps the request line and headers; a REST
	// query string with its UserSig is well under 1 KiB.
	DefaultMaxHeaderBytes = 64 << 10
	// readHeaderTimeout bounds the request line and headers.
	readHeaderTimeout = 10 * time.Second
	// idleTimeout closes keep-alive connections with no next request.
	idleTimeout = 120 * time.Second
	// writeGrace is how long the answer may take to write once the work's
	// deadline has passed, so a timed-out call can still be told so.
	writeGrace = 10 * time.Second
)

// httpLimits are the per-request deadlines every request on the listener
// gets, whatever route it takes.
type httpLimits struct {
	body, request, write time.Duration
	maxHeaderBytes       int
}

func (o Options) httpLimits() httpLimits {
	l := httpLimits{body: o.BodyTimeout, request: o.RequestTimeout, write: o.WriteTimeout, maxHeaderBytes: o.MaxHeaderBytes}
	if l.body <= 0 {
		l.body = DefaultBodyTimeout
	}
	if l.request <= 0 {
		l.request = DefaultRequestTimeout
	}
	if l.write <= 0 {
		l.write = l.request + writeGrace
	}
	if l.maxHeaderBytes <= 0 {
		l.maxHeaderBytes = DefaultMaxHeaderBytes
	}
	return l
}

// withDeadlines sets, as each request's handler starts, a read deadline of
// the body timeout and a write deadline of the write timeout on its
// connection. The read deadline covers the handler's body read and the
// drain net/http does after a handler that left the body unread (up to
// 256 KiB, before it writes the answer), which would otherwise wait forever
// on a body that never comes, on any route. A connection whose read timed
// out is closed after its answer, since the rest of its body is still on
// the wire.
//
// The http.Server has no global ReadTimeout/WriteTimeout; setting these on
// every request instead means a keep-alive connection never carries a stale
// deadline into its next request. A WebSocket upgrade (/v1/ws) starts under
// the same deadlines and the gateway then replaces them with its own: a
// read deadline before every frame read (login timeout, then 3 heartbeats)
// and a write deadline before every write.
func withDeadlines(h http.Handler, l httpLimits) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		rc := http.NewResponseController(w)
		// Errors mean the writer has no connection (an in-process
		// recorder): there is nothing to bound.
		_ = rc.SetReadDeadline(now.Add(l.body))
		_ = rc.SetWriteDeadline(now.Add(l.write))
		h.ServeHTTP(w, r)
	})
}

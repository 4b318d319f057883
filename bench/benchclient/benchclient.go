// Package benchclient is the raw protocol client the load generators share:
// one WebSocket per user, logged in with a UserSig, frames parsed off a
// buffer into one reused payload buffer (no allocation per frame: the
// generator shares the machine's cores with the server it measures), and
// answers and pushes told apart by scanning bytes, not decoding JSON.
package benchclient

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"sync"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyim/parley/usersig"
)

// Peer is one logged-in connection with its reader goroutine. Acks carries
// the seq of each successful answer (a send's message seq; 0 when the
// answer has none) in order; a failed answer ends the process, as a
// benchmark whose sends fail measures nothing.
type Peer struct {
	nc      net.Conn
	wmu     sync.Mutex
	wbuf    bytes.Buffer // under wmu
	Acks    chan uint64
	onPush  func(msg []byte)
	loginOK chan struct{}
}

var (
	pushMark  = []byte(`"push":"msg.new"`)
	anyPush   = []byte(`"push"`)
	loginMark = []byte(`"id":"login"`)
	okMark    = []byte(`"code":0,`)
)

// Dial connects user to the node at addr for app appID (key signs the
// UserSig) and returns once the login is answered. onPush, when not nil,
// gets each msg.new push's frame payload, valid only during the call, on
// the reader goroutine; other pushes are ignored.
func Dial(addr string, appID uint64, key, user string, onPush func([]byte)) *Peer {
	nc, _, _, err := ws.Dial(context.Background(), fmt.Sprintf("ws://%s/v1/ws?sdkappid=%d", addr, appID))
	if err != nil {
		log.Fatal(err)
	}
	p := &Peer{nc: nc, Acks: make(chan uint64, 4096), onPush: onPush, loginOK: make(chan struct{})}
	go p.read()
	sig, _ := usersig.Generate(appID, key, user, 86400, time.Now())
	b, _ := json.Marshal(map[string]any{"v": 1, "id": "login", "op": "login", "data": map[string]string{"userID": user, "userSig": sig, "platform": "Android"}})
	p.Write(b)
	<-p.loginOK
	return p
}

// Write sends one text frame (a complete request) in one write: header
// and masked payload together, as a browser does, so that the server reads
// a request in one segment and not a header and then its payload.
func (p *Peer) Write(b []byte) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.wbuf.Reset()
	hdr := ws.Header{Fin: true, OpCode: ws.OpText, Masked: true, Mask: ws.NewMask(), Length: int64(len(b))}
	if err := ws.WriteHeader(&p.wbuf, hdr); err != nil {
		log.Fatal(err)
	}
	start := p.wbuf.Len()
	p.wbuf.Write(b)
	ws.Cipher(p.wbuf.Bytes()[start:], hdr.Mask, 0)
	if _, err := p.nc.Write(p.wbuf.Bytes()); err != nil {
		log.Fatal(err)
	}
}

func (p *Peer) read() {
	br := bufio.NewReaderSize(p.nc, 16<<10)
	var buf []byte
	for {
		hdr, err := ws.ReadHeader(br)
		if err != nil {
			return
		}
		if cap(buf) < int(hdr.Length) {
			buf = make([]byte, hdr.Length)
		}
		buf = buf[:hdr.Length]
		if _, err := io.ReadFull(br, buf); err != nil {
			return
		}
		if hdr.OpCode != ws.OpText {
			continue
		}
		switch {
		case bytes.Contains(buf, pushMark):
			if p.onPush != nil {
				p.onPush(buf)
			}
		case bytes.Contains(buf, anyPush):
		case bytes.Contains(buf, loginMark):
			if !bytes.Contains(buf, okMark) {
				log.Fatalf("login failed: %s", buf)
			}
			close(p.loginOK)
		default:
			if !bytes.Contains(buf, okMark) {
				log.Fatalf("request failed: %s", buf)
			}
			p.Acks <- NumberAfter(buf, `"seq":`, 0)
		}
	}
}

// NumberAfter returns the decimal number right after the first marker in
// b; without the marker it returns missing.
func NumberAfter(b []byte, marker string, missing uint64) uint64 {
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		return missing
	}
	var n uint64
	for _, c := range b[i+len(marker):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + uint64(c-'0')
	}
	return n
}

// MustNumberAfter is NumberAfter for a marker that must be there.
func MustNumberAfter(b []byte, marker string) uint64 {
	if !bytes.Contains(b, []byte(marker)) {
		log.Fatalf("no %s in %s", marker, b)
	}
	return NumberAfter(b, marker, 0)
}

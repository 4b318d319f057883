package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
)

// conn is a minimal HTTP/1.1 keep-alive client for one connection. The
// load generator shares two cores with the server, so it avoids net/http's
// client machinery and map-based JSON decoding: every cycle it spends is
// taken from the server being measured.
type conn struct {
	c    net.Conn
	r    *bufio.Reader
	host string
	req  bytes.Buffer
	body []byte
}

func dial(addr string) (*conn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, r: bufio.NewReaderSize(c, 16<<10), host: addr}, nil
}

// post sends one request and returns the response body, valid until the
// next call.
func (c *conn) post(path string, body []byte) ([]byte, error) {
	c.req.Reset()
	fmt.Fprintf(&c.req, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", path, c.host, len(body))
	c.req.Write(body)
	if _, err := c.c.Write(c.req.Bytes()); err != nil {
		return nil, err
	}
	status, err := c.r.ReadSlice('\n')
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200")) {
		return nil, fmt.Errorf("unexpected status %q", status)
	}
	length := -1
	for {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		if len(line) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			length, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
		}
	}
	if length < 0 {
		return nil, fmt.Errorf("response without Content-Length")
	}
	if cap(c.body) < length {
		c.body = make([]byte, length)
	}
	c.body = c.body[:length]
	_, err = io.ReadFull(c.r, c.body)
	return c.body, err
}

var (
	topOK      = []byte(`"ErrorCode":0,`)
	resultCode = []byte(`"ResultCode":`)
	resultOK   = []byte(`"ResultCode":0,`)
)

// succeeded reports a response whose top level and every per-item result
// are 0.
func succeeded(body []byte) bool {
	return bytes.Contains(body, topOK) && bytes.Count(body, resultCode) == bytes.Count(body, resultOK)
}

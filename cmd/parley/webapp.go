package main

import (
	"fmt"
	"io"
	"net"

	"github.com/parleyim/parley/internal/config"
	"github.com/parleyim/parley/internal/server"
)

// devLoginOn decides whether the web app's development login is on: as the
// operator set it (PARLEY_DEV_LOGIN, dev_login), else only for the default
// app while the node listens on a loopback address, where nobody but this
// machine's users can reach it.
func devLoginOn(cfg config.Config, defaulted bool, addr net.Addr) bool {
	if cfg.DevLogin != nil {
		return *cfg.DevLogin
	}
	tcp, ok := addr.(*net.TCPAddr)
	return defaulted && ok && tcp.IP.IsLoopback()
}

// webAppURL is the address a person opens for the app; a wildcard listen
// address is shown as the loopback one, which reaches it from this machine.
func webAppURL(scheme, addr string) string {
	host := addr
	if h, p, err := net.SplitHostPort(addr); err == nil && (h == "" || h == "::" || h == "0.0.0.0") {
		host = net.JoinHostPort("127.0.0.1", p)
	}
	return scheme + "://" + host + server.WebAppPath
}

func printWebAppBanner(w io.Writer, scheme, addr string, devLogin bool) {
	login := "log in with a UserSig from your app server (development login is off)"
	if devLogin {
		login = "type any UserID to log in (development login is on)"
	}
	fmt.Fprintf(w, "Web app: %s\n  %s\n\n", webAppURL(scheme, addr), login)
}

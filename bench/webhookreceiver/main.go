// Command webhookreceiver is the app server of the webhook benchmark: it
// answers every callback at once ({"ErrorCode":0}), or with -hang never
// answers, and prints how many callbacks it got when it is interrupted.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	hang := flag.Bool("hang", false, "never answer")
	flag.Parse()
	var calls atomic.Int64
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("http://" + ln.Addr().String() + "/cb")
	go func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt)
		<-c
		fmt.Println("callbacks:", calls.Load())
		os.Exit(0)
	}()
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.Copy(io.Discard, r.Body)
		if *hang {
			<-r.Context().Done()
			return
		}
		io.WriteString(w, `{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}`)
	})))
}

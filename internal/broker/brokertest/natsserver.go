package brokertest

import (
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/parleyim/parley/internal/broker"
)

// StartNATS runs a NATS server in process on 127.0.0.1, on port (0: a
// random one; a given port restarts a server where clients expect it),
// shut down when the test ends.
func StartNATS(t testing.TB, port int) *server.Server {
	t.Helper()
	if port == 0 {
		port = server.RANDOM_PORT
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	t.Cleanup(s.Shutdown)
	return s
}

// ConnectNATS connects a broker named name to ns, closed when the test
// ends.
func ConnectNATS(t testing.TB, ns *server.Server, name string) broker.Broker {
	t.Helper()
	b, err := broker.ConnectNATS(broker.NATSOptions{URL: ns.ClientURL(), Name: name, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

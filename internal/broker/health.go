package broker

import (
	"fmt"

	"github.com/nats-io/nats.go"
)

// HealthChecker is implemented by a broker that can lose its link to the
// other nodes. Healthy is nil while publishes reach them; the readiness
// check (/readyz) consults it. A broker without it (Local) is always
// healthy.
type HealthChecker interface {
	Healthy() error
}

// Healthy is nil while the connection to the NATS server is up. While it
// reconnects, publishes are buffered (to ReconnectBufSize) and nothing is
// received: the node's clients miss other nodes' pushes until it is back.
func (b *NATS) Healthy() error {
	if s := b.nc.Status(); s != nats.CONNECTED {
		return fmt.Errorf("nats connection %s", s)
	}
	return nil
}

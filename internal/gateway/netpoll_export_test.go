package gateway

// ParkedConnections is the number of this gateway's connections parked on
// the poller (no goroutine of their own) right now.
func (g *Gateway) ParkedConnections() int {
	n := 0
	for _, c := range g.conns.all() {
		if c.isParked() {
			n++
		}
	}
	return n
}

package devserver

import (
	"fmt"
	"net"
)

// portPicker hands out distinct free TCP ports on a host. It keeps every
// port's listener open until close, so two calls never return the same port;
// the ports are free for the server to bind once close has run.
type portPicker struct {
	host      string
	listeners []net.Listener
}

// pick returns a port that nothing on host listens on.
func (p *portPicker) pick() (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(p.host, "0"))
	if err != nil {
		return 0, fmt.Errorf("devserver: finding a free port on %s: %w", p.host, err)
	}
	p.listeners = append(p.listeners, l)
	return l.Addr().(*net.TCPAddr).Port, nil
}

// close releases every picked port.
func (p *portPicker) close() {
	for _, l := range p.listeners {
		_ = l.Close()
	}
	p.listeners = nil
}

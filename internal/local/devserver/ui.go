package devserver

import (
	"fmt"
	"net"
	"strconv"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uiserveroptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// startUI serves the Temporal Web UI for this server on cfg.UIPort, with
// cfg.UICodecEndpoint as its codec server.
// ui-server's Start blocks, and ends the process if it cannot listen, so
// the port is checked first.
func (s *Server) startUI() error {
	addr := net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.UIPort))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("devserver: the Web UI port %d is not free: %w; pick another UIPort or 0 for no UI", s.cfg.UIPort, err)
	}
	_ = ln.Close()
	conf := &uiconfig.Config{
		Host: s.cfg.Host, Port: s.cfg.UIPort, TemporalGRPCAddress: s.addr, EnableUI: true, HideLogs: true,
		DefaultNamespace: s.cfg.Namespace, CORS: uiconfig.CORS{CookieInsecure: true},
		Codec: uiconfig.Codec{Endpoint: s.cfg.UICodecEndpoint},
	}
	if s.sec != nil {
		// The UI reaches the frontend with the server's internal identity
		// (it is served only on Host); the frontend's certificate is this
		// process's own, so its host name is not checked.
		conf.TLS.CertData, conf.TLS.KeyData = s.sec.uiTLS()
		conf.TLS.ServerName = dialHost(s.cfg.Host)
	}
	s.ui = uiserver.NewServer(uiserveroptions.WithConfigProvider(conf))
	go func() { _ = s.ui.Start() }()
	return nil
}

// UIAddress returns the Web UI's URL, or "" when none is served.
func (s *Server) UIAddress() string {
	if s.ui == nil {
		return ""
	}
	return "http://" + net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.UIPort))
}

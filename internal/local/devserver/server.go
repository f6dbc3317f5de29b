package devserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/temporal"
)

// startTimeout bounds Start when its context has no deadline, so a server
// that cannot come up fails instead of hanging.
const startTimeout = 2 * time.Minute

// Server is a running Temporal server. Its methods are safe for concurrent use.
type Server struct {
	cfg      Config
	addr     string
	temporal temporal.Server
	logs     *logSink
	lock     *dbLock
	ui       *uiserver.Server
	sec      *security // nil without TLS

	stopOnce sync.Once
	stopErr  error
}

// Start runs a Temporal server as cfg says and returns once its frontend
// accepts requests and cfg.Namespace exists with every attribute of
// SearchAttributes usable in queries. On error nothing is left running.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}

	logs, err := newLogSink(cfg)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, logs: logs}
	if err := s.start(ctx); err != nil {
		_ = s.Stop()
		return nil, err
	}
	if cfg.UIPort > 0 {
		if err := s.startUI(); err != nil {
			_ = s.Stop()
			return nil, err
		}
	}
	return s, nil
}

// start builds and starts the server, then waits until it is ready.
func (s *Server) start(ctx context.Context) error {
	cfg := s.cfg
	if cfg.DBPath != "" {
		lock, err := lockDB(cfg.DBPath)
		if err != nil {
			return err
		}
		s.lock = lock
	}
	sc := sqlConfig(cfg)
	if err := prepareDatabase(cfg, sc); err != nil {
		return err
	}

	frontendPort, err := frontendPort(cfg)
	if err != nil {
		return err
	}
	s.cfg.Port = frontendPort
	s.addr = net.JoinHostPort(dialHost(cfg.Host), strconv.Itoa(frontendPort))

	ports := &portPicker{host: loopback}
	conf, hosts, err := serverConfig(cfg, sc, frontendPort, ports)
	ports.close()
	if err != nil {
		return err
	}

	sec, err := newSecurity(cfg)
	if err != nil {
		return err
	}
	s.sec = sec
	authorizer, claimMapper, err := s.authorization(conf)
	if err != nil {
		return err
	}
	options := []temporal.ServerOption{
		temporal.WithConfig(conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(s.logs.server),
		temporal.WithAuthorizer(authorizer),
		temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return claimMapper }),
		temporal.WithDynamicConfigClient(dynamicConfig(cfg.DynamicConfig)),
	}
	if sec != nil {
		provider, err := sec.provider()
		if err != nil {
			return err
		}
		options = append(options, temporal.WithTLSConfigFactory(provider))
	}
	srv, err := temporal.NewServer(options...)
	if err != nil {
		return fmt.Errorf("devserver: creating the server: %w", err)
	}
	if err := srv.Start(); err != nil {
		// Stop releases what a partial start opened.
		_ = srv.Stop()
		return fmt.Errorf("devserver: starting the server on %s: %w", s.addr, err)
	}
	s.temporal = srv
	return s.waitReady(ctx)
}

// authorization returns the authorizer and the claim mapper: the API key
// check when the config has keys, else none (every caller allowed).
func (s *Server) authorization(conf *config.Config) (authorization.Authorizer, authorization.ClaimMapper, error) {
	if len(s.cfg.APIKeys) > 0 {
		a := newAPIKeyAuth(s.cfg.APIKeys, s.sec)
		return a, a, nil
	}
	authorizer, err := authorization.GetAuthorizerFromConfig(&conf.Global.Authorization)
	if err != nil {
		return nil, nil, fmt.Errorf("devserver: creating the authorizer: %w", err)
	}
	claimMapper, err := authorization.GetClaimMapperFromConfig(&conf.Global.Authorization, s.logs.server)
	if err != nil {
		return nil, nil, fmt.Errorf("devserver: creating the claim mapper: %w", err)
	}
	return authorizer, claimMapper, nil
}

// internalClientOptions are the connection options of the server's own
// clients: plain, or TLS with the internal identity.
func (s *Server) internalClientOptions() (client.ConnectionOptions, error) {
	if s.sec == nil {
		return client.ConnectionOptions{}, nil
	}
	tc, err := s.sec.internalClientTLS()
	if err != nil {
		return client.ConnectionOptions{}, err
	}
	return client.ConnectionOptions{TLS: tc}, nil
}

// TLS reports whether the frontend serves TLS.
func (s *Server) TLS() bool { return s.sec != nil }

// frontendPort returns cfg.Port after checking it is free, or a free port
// when cfg.Port is 0. The early check turns a port in use into a clear error
// instead of a failure deep inside the server.
func frontendPort(cfg Config) (int, error) {
	if cfg.Port == 0 {
		p := &portPicker{host: cfg.Host}
		defer p.close()
		return p.pick()
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return 0, fmt.Errorf("devserver: Port %d: cannot listen on %s (%w); stop what uses it, or pass another port or 0", cfg.Port, addr, err)
	}
	return cfg.Port, l.Close()
}

// Address returns the frontend's host:port, for client.Dial.
func (s *Server) Address() string { return s.addr }

// Namespace returns the namespace registered on start.
func (s *Server) Namespace() string { return s.cfg.Namespace }

// Stop shuts the server down, releases the database file and closes the log
// file. State in a DBPath file stays for the next Start. Calling Stop again
// returns the first result. The SQLite plugin keeps one pooled connection per
// database open until the process exits, so an in-memory server's memory is
// only freed then; a restart in the same process reuses the connection.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.ui != nil {
			s.ui.Stop()
		}
		if s.temporal != nil {
			if err := s.temporal.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("devserver: stopping the server: %w", err))
			}
		}
		if err := s.lock.unlock(); err != nil {
			errs = append(errs, fmt.Errorf("devserver: releasing the database lock: %w", err))
		}
		if err := s.logs.close(); err != nil {
			errs = append(errs, fmt.Errorf("devserver: closing the log file: %w", err))
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

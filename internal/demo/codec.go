package demo

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/ocimove/ocimove/internal/codec"
)

// startCodec returns the payload codec the demo uses when OCIMOVE_CODEC_KEY
// or OCIMOVE_CODEC_KEY_FILE is set (nil otherwise) and, when the Web UI
// is on uiPort, serves it as the UI's codec server on a loopback port
// until ctx ends, returning its endpoint.
func startCodec(ctx context.Context, uiPort int, log *slog.Logger) (*codec.Codec, string, error) {
	ring, err := codec.LoadKeyring(nil, "")
	if err != nil || ring == nil {
		return nil, "", err
	}
	c, err := codec.New(ring)
	if err != nil {
		return nil, "", err
	}
	if uiPort == 0 {
		return c, "", nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", fmt.Errorf("demo: codec server: %w", err)
	}
	origin := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(uiPort))
	mux := http.NewServeMux()
	mux.Handle("/codec/", c.Handler(codec.HandlerOptions{AllowedOrigins: []string{origin}}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("codec server", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	return c, "http://" + ln.Addr().String() + "/codec", nil
}

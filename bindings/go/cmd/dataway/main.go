// Command dataway is a reference Dataway host for the tail-sampling engine: Datakit's
// tail-sampling APIs on net/http, in two modes. standalone embeds the engine and delivers the
// kept data and metrics upstream (or to a directory); proxy routes requests to standalone
// backends by Guance-Pick-Key and broadcasts configs. Run `dataway -h` for the flags and their
// environment variables; docs/dataway-host.md shows a deployment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	cfg, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dataway:", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", cfg.listen)
	if err == nil {
		err = run(ctx, cfg, ln, log)
	}
	if err != nil {
		log.Error("exit", "err", err)
		os.Exit(1)
	}
}

// run serves on ln until ctx ends, then shuts down within cfg.shutdownTimeout: the listener
// closes, requests in flight finish, and a standalone host flushes and delivers.
func run(ctx context.Context, cfg *config, ln net.Listener, log *slog.Logger) error {
	var b backend
	var drain func(context.Context) error
	switch cfg.mode {
	case "standalone":
		s, err := newStandalone(cfg, log)
		if err != nil {
			ln.Close()
			return err
		}
		b, drain = s, s.shutdown
	default:
		b, drain = newProxy(cfg, log), func(context.Context) error { return nil }
	}
	srv := &http.Server{
		Handler:           newServer(b, cfg.maxBodyBytes, log),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "mode", cfg.mode)

	var err error
	select {
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.shutdownTimeout)
	case err = <-served:
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.shutdownTimeout)
	defer cancel()
	err = errors.Join(err, srv.Shutdown(sctx), drain(sctx))
	if err == nil {
		log.Info("stopped")
	}
	return err
}

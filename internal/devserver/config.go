// Package devserver runs and supervises the Temporal CLI's dev server for
// `cmpd dev`, and registers CMP's search attributes on any Temporal cluster.
package devserver

import (
	"log/slog"
	"os"
	"path/filepath"
	"time"
)

// BinaryEnv overrides where the Temporal CLI is found (default <repo>/bin/temporal).
const BinaryEnv = "CMP_TEMPORAL_CLI"

// Config says how to run the dev server. The zero value runs the CLI from
// bin/temporal on 127.0.0.1:7233 with the Web UI on 8233 and its state in
// data/temporal.db, both under the repository root.
type Config struct {
	// Binary is the Temporal CLI executable; see DefaultBinary.
	Binary string
	// DBFile is the SQLite file that keeps workflow histories across restarts.
	DBFile string
	// IP is the address the frontend and the Web UI bind to.
	IP string
	// Port is the frontend's gRPC port.
	Port int
	// UIPort is the Web UI's port.
	UIPort int
	// Headless turns the Web UI off (UIPort is then ignored).
	Headless bool
	// Namespace is created at start ("default" always exists).
	Namespace string
	// SearchAttributes maps name to Temporal type; nil means SearchAttributes.
	SearchAttributes map[string]string
	// StartTimeout bounds how long one start waits for the frontend to answer.
	StartTimeout time.Duration
	// Logger receives the server's output and the supervisor's events.
	Logger *slog.Logger
}

// DefaultBinary is $CMP_TEMPORAL_CLI if set, else bin/temporal under the
// repository root, where `make tools` builds it.
func DefaultBinary() string {
	if p := os.Getenv(BinaryEnv); p != "" {
		return p
	}
	return filepath.Join(repoRoot(), "bin", "temporal")
}

// withDefaults fills every unset field.
func (c Config) withDefaults() Config {
	if c.Binary == "" {
		c.Binary = DefaultBinary()
	}
	if c.DBFile == "" {
		c.DBFile = filepath.Join(repoRoot(), "data", "temporal.db")
	}
	if c.IP == "" {
		c.IP = "127.0.0.1"
	}
	if c.Port == 0 {
		c.Port = 7233
	}
	if c.UIPort == 0 {
		c.UIPort = c.Port + 1000
	}
	if c.Namespace == "" {
		c.Namespace = "default"
	}
	if c.SearchAttributes == nil {
		c.SearchAttributes = SearchAttributes
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// repoRoot is the nearest directory at or above the working directory holding
// go.mod, or the working directory itself when there is none (an installed
// cmpd run elsewhere then looks for bin/temporal and data/ where it runs).
func repoRoot() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			return wd
		}
	}
}

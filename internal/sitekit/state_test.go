package sitekit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestState_SnapshotSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sitekit", "state.json")
	ctx := context.Background()

	first := newHarness(t, RuntimeConfig{StatePath: path})
	created := first.deploy("agt_1")
	_, err := first.client.PutKnowledge(ctx, "agt_1", Knowledge{Version: 4, QA: []QAPair{
		{ID: "qa_1", Question: "Do you offer invoices?", Answer: "Yes, monthly invoices by email."},
	}})
	require.NoError(t, err)
	_, err = first.client.Suspend(ctx, "agt_1")
	require.NoError(t, err)
	mustConnectMCPFails(t, first.mcpURL("agt_1"))
	require.NoError(t, first.rt.Close())

	info, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the snapshot holds heartbeat secrets")

	second := newHarness(t, RuntimeConfig{StatePath: path})
	got, err := second.client.GetDeployment(ctx, "agt_1")
	require.NoError(t, err)
	require.Equal(t, StatusSuspended, got.Status)
	require.Equal(t, created.CreatedAt, got.CreatedAt)
	require.Equal(t, Versions{Persona: 1, Knowledge: 4, Keys: 1}, got.Versions)

	// Keys and knowledge are live again, not just listed.
	_, err = second.client.Resume(ctx, "agt_1")
	require.NoError(t, err)
	cs := mustConnectMCP(t, second.mcpURL("agt_1"), testKey)
	_, out := ask(t, cs, "do you offer invoices")
	require.Equal(t, "Yes, monthly invoices by email.", out.Answer)

	require.NoError(t, second.client.DeleteDeployment(ctx, "agt_1"))
	third := newHarness(t, RuntimeConfig{StatePath: path})
	_, err = third.client.GetDeployment(ctx, "agt_1")
	requireStatus(t, err, 404, CodeNotFound)
}

func TestState_CorruptSnapshotIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o600))
	_, err := NewRuntime(RuntimeConfig{Token: testToken, StatePath: path})
	require.ErrorContains(t, err, "parse state")
}

// mustConnectMCPFails records a refused MCP attempt, which still counts as
// key usage worth persisting.
func mustConnectMCPFails(t *testing.T, url string) {
	t.Helper()
	_, err := connectMCP(t, url, testKey)
	require.Error(t, err)
}

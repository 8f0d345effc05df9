package loopback

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// StartMoto starts moto's server (the emulator of the AWS APIs the
// project calls) on a free loopback port for the rest of the test, with
// env added to its environment and a HOME of its own, and returns its
// endpoint (http://127.0.0.1:PORT). The test skips, saying why, where moto
// cannot be had.
func StartMoto(t testing.TB, env ...string) string {
	t.Helper()
	moto, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto's server is not installed (pip install 'moto[server]'; .ci/run installs it)")
	}
	addr := FreeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(moto, "-H", "127.0.0.1", "-p", port)
	cmd.Env = append(append(os.Environ(), "HOME="+t.TempDir()), env...)
	logFile, err := os.Create(filepath.Join(t.TempDir(), "moto.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		logFile.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for !listening(addr) {
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logFile.Name())
			t.Fatalf("moto's server did not listen on %s within 30 s:\n%s", addr, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Sprintf("http://%s", addr)
}

package loopback

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// StartMoto starts moto's server (the emulator of the AWS APIs the
// project calls) on a free loopback port for the rest of the test, with
// env added to its environment, a HOME of its own and AWS settings of its
// own (dummy credentials, no shared files, no instance metadata: moto's
// own use of the AWS SDK for Python would otherwise look for credentials
// at the instance metadata address), and returns its endpoint
// (http://127.0.0.1:PORT). The test skips, saying why, where moto cannot
// be had.
func StartMoto(t testing.TB, env ...string) string {
	t.Helper()
	moto, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto's server is not installed (pip install 'moto[server]'; .ci/run installs it)")
	}
	addr := FreeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	cmd := exec.Command(moto, "-H", "127.0.0.1", "-p", port)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(append(cmd.Env, "HOME="+t.TempDir(), "AWS_EC2_METADATA_DISABLED=true", "AWS_ACCESS_KEY_ID=testing",
		"AWS_SECRET_ACCESS_KEY=testing", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"), env...)
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

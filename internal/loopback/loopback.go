// Package loopback helps tests run AWS-shaped peers on 127.0.0.1: free
// ports, waiting for a listener, and an environment that points the AWS SDK
// at a local endpoint so that nothing can reach AWS.
package loopback

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// FreeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// WaitListening waits up to 10 s for something to accept connections on addr.
func WaitListening(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !listening(addr) {
		if time.Now().After(deadline) {
			t.Fatalf("nothing listens on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// listening reports whether something accepts connections on addr now.
func listening(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// AWSEnv is the environment for config.LoadDefaultConfig to send Lambda
// calls to endpoint (http://127.0.0.1:PORT) with dummy credentials, and to
// read no shared config, profile or instance metadata.
func AWSEnv(endpoint string) map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL_LAMBDA":     endpoint,
		"AWS_REGION":                  "eu-west-1",
		"AWS_ACCESS_KEY_ID":           "AKIDLOCALTEST",
		"AWS_SECRET_ACCESS_KEY":       "local-test-secret",
		"AWS_SESSION_TOKEN":           "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_EC2_METADATA_DISABLED":   "true",
	}
}

// SetAWSEnv sets AWSEnv(endpoint) for the rest of the test (t.Setenv).
func SetAWSEnv(t *testing.T, endpoint string) {
	t.Helper()
	for k, v := range AWSEnv(endpoint) {
		t.Setenv(k, v)
	}
}

// FreshAccount makes the test's process a fresh AWS account at endpoint
// for the rest of the test: SetAWSEnv, CloudWatch Logs at endpoint too
// (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS), an isolated HOME and a PATH that
// finds no AWS CLI.
func FreshAccount(t *testing.T, endpoint string) {
	t.Helper()
	SetAWSEnv(t, endpoint)
	t.Setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", endpoint)
	t.Setenv("HOME", t.TempDir())
	t.Setenv("PATH", t.TempDir())
}

// Config is the AWS SDK's configuration for an account at endpoint
// (http://127.0.0.1:PORT), region eu-west-1, made from nothing in the
// process's environment: dummy credentials and the region given (nothing
// to ask the instance metadata for), no shared config files, every
// service at endpoint. Tests that run in parallel use it where SetAWSEnv
// (t.Setenv) cannot be.
func Config(ctx context.Context, endpoint string) (aws.Config, error) {
	return config.LoadDefaultConfig(ctx,
		config.WithRegion("eu-west-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDLOCALTEST", "local-test-secret", "")),
		config.WithSharedConfigFiles([]string{}), config.WithSharedCredentialsFiles([]string{}),
		config.WithSharedConfigProfile(""),
		config.WithBaseEndpoint(endpoint))
}

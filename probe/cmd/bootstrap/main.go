// Command bootstrap is the probe as a Lambda function for the
// provided.al2023 runtime. Build it with:
//
//	GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags lambda.norpc -o bootstrap ./probe/cmd/bootstrap
package main

import (
	"log"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/lambda-reuse/lambda-reuse/probe"
)

func main() {
	id, err := probe.NewIdentity(time.Now())
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(probe.New(id)) // a lambda.Handler: raw payload bytes, see Probe.Invoke
}

package sso

import "github.com/aws/smithy-go/transport/http"

type awsHTTPError = http.RequestSendError

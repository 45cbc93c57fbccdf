# cmpd for the production topology in docker-compose.yml: one static binary
# that runs as `cmpd api`, `cmpd worker`, `cmpd sitekit` or `cmpd migrate`.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Pure Go (SQLite and PostgreSQL drivers alike), with the zone database built
# in, so the runtime image needs nothing but CA certificates.
RUN CGO_ENABLED=0 go build -trimpath -tags timetzdata -ldflags="-s -w" -o /out/cmpd ./cmd/cmpd \
	&& mkdir -p /out/var/lib/cmp && mkdir -m 1777 /out/tmp

# Empty base: no shell, no package manager; the binary, CA roots, a writable
# data directory and /tmp, run as an unprivileged user.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=build /out/tmp /tmp
COPY --from=build --chown=65532:65532 /out/var/lib/cmp /var/lib/cmp
COPY --from=build /out/cmpd /cmpd
USER 65532:65532
ENV CMP_DATA_DIR=/var/lib/cmp
ENTRYPOINT ["/cmpd"]
CMD ["api"]

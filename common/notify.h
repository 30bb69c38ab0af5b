/*
 * notify: the sd_notify(3) protocol, for Type=notify units and tests.
 *
 * With libsystemd this calls sd_notify(); without it, it sends the
 * datagram itself to $NOTIFY_SOCKET (a path, or "@name" for an abstract
 * socket).  No $NOTIFY_SOCKET: nothing is sent.
 */
#ifndef LABGATE_NOTIFY_H
#define LABGATE_NOTIFY_H

/*
 * Sends `state` ("READY=1", "RELOADING=1", "STOPPING=1", "STATUS=...").
 * Returns 1 if sent, 0 if there is no $NOTIFY_SOCKET, -1 on error (errno).
 */
int notify_send(const char *state);

/* Sends to an explicit socket address (path or "@abstract"); for tests. */
int notify_send_to(const char *socket_path, const char *state);

#endif

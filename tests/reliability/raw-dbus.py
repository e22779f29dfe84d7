#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""raw-dbus.py: talk to the bus in DBUS_SYSTEM_BUS_ADDRESS byte by byte, to send what no
D-Bus library lets a client send (every library checks UTF-8 on the way out), and to
drop the connection in the middle of calls. Standard library only.

  raw-dbus.py utf8 NAME_HEX [CGROUP]
                                 StartRecording whose name is these bytes (hex), e.g.
                                 invalid UTF-8, on CGROUP (default: one that does not
                                 exist); prints "reply", "error NAME: MSG" or
                                 "disconnected" (what the caller got)
  raw-dbus.py vanish CGROUP N PREFIX [DELAY_MS]
                                 send N StartRecording(PREFIX-i, cgroup CGROUP/i) without
                                 reading anything, wait DELAY_MS (default 0) and close the
                                 connection
  raw-dbus.py garbage            send a message header that is not one; prints what
                                 the caller got
"""
import os
import socket
import struct
import sys
import time


def pad(buf, n):
    while len(buf) % n:
        buf.append(0)


class W:
    """Little-endian D-Bus marshaller for the few types we need."""

    def __init__(self, start=0):
        self.b = bytearray()
        self.start = start  # offset of b inside the message (alignment)

    def align(self, n):
        while (self.start + len(self.b)) % n:
            self.b.append(0)

    def u32(self, v):
        self.align(4)
        self.b += struct.pack('<I', v)

    def byte(self, v):
        self.b.append(v)

    def raw_string(self, data):  # s or o, bytes as given (no UTF-8 check)
        self.u32(len(data))
        self.b += data + b'\0'

    def string(self, s):
        self.raw_string(s.encode())

    def sig(self, s):
        d = s.encode()
        self.byte(len(d))
        self.b += d + b'\0'

    def array(self, elem_align, fill):
        self.align(4)
        at = len(self.b)
        self.b += b'\0\0\0\0'
        self.align(elem_align)
        body_start = len(self.b)
        fill()
        struct.pack_into('<I', self.b, at, len(self.b) - body_start)


def message(serial, path, iface, member, dest, signature, body):
    h = W()
    h.byte(ord('l'))
    h.byte(1)  # method call
    h.byte(0)
    h.byte(1)
    h.u32(len(body))
    h.u32(serial)

    def fields():
        for code, typ, val in ((1, 'o', path), (2, 's', iface), (3, 's', member), (6, 's', dest),
                               (8, 'g', signature)):
            if val is None:
                continue
            h.align(8)
            h.byte(code)
            h.sig(typ)
            if typ == 'g':
                h.sig(val)
            else:
                h.string(val)

    h.array(8, fields)
    h.align(8)
    return bytes(h.b) + body


def start_body(name_bytes, cgroup):
    w = W()
    w.raw_string(name_bytes)

    def target():
        w.align(8)
        w.string('cgroup')
        w.sig('s')
        w.string(cgroup)

    w.array(8, target)
    w.array(8, lambda: None)
    return bytes(w.b)


def connect():
    addr = os.environ.get('DBUS_SYSTEM_BUS_ADDRESS', 'unix:path=/run/dbus/system_bus_socket')
    path = addr.split('path=', 1)[1].split(',')[0]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(b'\0AUTH EXTERNAL ' + str(os.geteuid()).encode().hex().encode() + b'\r\n')
    line = b''
    while not line.endswith(b'\r\n'):
        chunk = s.recv(1)
        if not chunk:
            raise SystemExit('bus closed during auth')
        line += chunk
    if not line.startswith(b'OK'):
        raise SystemExit('auth failed: %r' % line)
    s.sendall(b'BEGIN\r\n')
    s.sendall(message(1, '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'Hello',
                      'org.freedesktop.DBus', None, b''))
    return s


def recv_exact(s, n):
    buf = b''
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def read_message(s):
    """(type, reply_serial, error_name, body) or None when the bus hung up."""
    fixed = recv_exact(s, 16)
    if fixed is None:
        return None
    _, mtype, _, _, blen, _, flen = struct.unpack('<BBBBIII', fixed)
    hlen = 16 + flen
    hlen += (-hlen) % 8
    rest = recv_exact(s, hlen - 16 + blen)
    if rest is None:
        return None
    fields = (fixed + rest)[16:16 + flen]
    i, reply_serial, error = 0, None, None
    while i < len(fields):
        i += (-i) % 8
        code = fields[i]
        slen = fields[i + 1]
        typ = fields[i + 2:i + 2 + slen].decode()
        i += 2 + slen + 1
        if typ in ('s', 'o'):
            i += (-i) % 4
            n = struct.unpack_from('<I', fields, i)[0]
            val = fields[i + 4:i + 4 + n].decode(errors='replace')
            i += 4 + n + 1
        elif typ == 'g':
            n = fields[i]
            val = fields[i + 1:i + 1 + n].decode()
            i += 1 + n + 1
        elif typ == 'u':
            i += (-i) % 4
            val = struct.unpack_from('<I', fields, i)[0]
            i += 4
        else:
            break
        if code == 4:
            error = val
        elif code == 5:
            reply_serial = val
    return mtype, reply_serial, error, rest[hlen - 16:]


def wait_reply(s, serial):
    s.settimeout(10)
    while True:
        try:
            m = read_message(s)
        except (ConnectionResetError, socket.timeout) as e:
            return 'disconnected (%s)' % type(e).__name__
        if m is None:
            return 'disconnected'
        mtype, reply_serial, error, body = m
        if reply_serial != serial:
            continue
        if mtype == 3:
            msg = ''
            if len(body) >= 4:
                n = struct.unpack_from('<I', body, 0)[0]
                msg = body[4:4 + n].decode(errors='replace')
            return 'error %s: %s' % (error, msg)
        return 'reply'


def main():
    mode = sys.argv[1]
    s = connect()
    if mode == 'utf8':
        cgroup = sys.argv[3] if len(sys.argv) > 3 else '/sysrec-raw-nonexistent'
        body = start_body(bytes.fromhex(sys.argv[2]), cgroup)
        s.sendall(message(2, '/org/sysrec1', 'org.sysrec1.Manager', 'StartRecording', 'org.sysrec1',
                          'sa{sv}a{sv}', body))
        print(wait_reply(s, 2))
    elif mode == 'garbage':
        s.sendall(b'l\x01\x00\x01' + b'\xff' * 60)
        print(wait_reply(s, 2))
    elif mode == 'vanish':
        cgroup, n, prefix = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        data = b''.join(
            message(10 + i, '/org/sysrec1', 'org.sysrec1.Manager', 'StartRecording', 'org.sysrec1',
                    'sa{sv}a{sv}', start_body(('%s-%d' % (prefix, i)).encode(), '%s/%d' % (cgroup, i)))
            for i in range(n))
        s.sendall(data)
        if len(sys.argv) > 5:
            time.sleep(int(sys.argv[5]) / 1000)
        s.close()
        print('closed')
    else:
        raise SystemExit('unknown mode ' + mode)


if __name__ == '__main__':
    main()

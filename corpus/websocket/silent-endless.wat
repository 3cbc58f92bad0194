;;! id = "websocket.silent-endless"
;;! guarantee = "WS-07"
;;! since = "0.3.0"
;;! summary = "receives 40 times with the longest timeout (30 s) from a server that never speaks: only the runtime can stop it"
;;! profile = "component"
;;! capabilities = ["host_api_net"]
;;! endless = true
;;! input = "{\"ops\":\"Ows://127.0.0.1:$WS_PORT/ws/quiet|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000|R1 30000\"}"
;;! [limits]
;;! deadline_ms = 50
;;! [package]
;;! host_apis = ["websocket"]
;;! [[package.websocket]]
;;! scheme = "ws"
;;! host = "127.0.0.1"
;;! port = "$WS_PORT"
;;! path_prefixes = ["/ws"]
;;! [grants]
;;! apis = ["websocket"]
;;! [[grants.websocket]]
;;! scheme = "ws"
;;! host = "127.0.0.1"
;;! port = "$WS_PORT"
;;! path_prefixes = ["/ws"]
;;! [net]
;;! [[net.websocket.routes]]
;;! path = "/ws/quiet"
;;! steps = []
;;! [expect]
;;! code = "timeout"
;;! [expect.net]
;;! websocket_connections = 1
;; Catches a runtime whose recv outlives the call's deadline, at any deadline a runtime fixes:
;; the guest would wait 40 x 30 s (20 minutes) on its own, so this case runs at a runtime's
;; fixed deadline too (`endless`, docs/AUDIT.md "Fixed limits").
;; Catches a runtime that lets a recv hold the call past its deadline (the originating host
;; waits up to 30 s).
;; The guest runs the ops of its input {"ops":"<op>|<op>|..."} in order (`O<url>` open
;; {"url":"<url>"}, `J<json>` open with that JSON, `S<h> <text>` send-text, `X<h> <n>` send-text of
;; n `x`, `R<h> <ms>` recv, `C<h>` close) and returns {"summary": <number of answers>, "content":
;; <the answers joined by `;`>} (an answer over 8192 bytes as its last 256 bytes).
(component
  (import "yoi:host/websocket@1.0.0" (instance $ws
    (export "open" (func (param "request-json" string) (result string)))
    (export "send-text" (func (param "handle" u32) (param "text" string) (result string)))
    (export "recv" (func (param "handle" u32) (param "timeout-ms" u32) (result string)))
    (export "close" (func (param "handle" u32) (result string)))))
  (alias export $ws "open" (func $open-fn))
  (alias export $ws "send-text" (func $send-fn))
  (alias export $ws "recv" (func $recv-fn))
  (alias export $ws "close" (func $close-fn))
  ;; The shim: indirect calls through a table the fixup fills once the lowered imports exist.
  (core module $shim
    (type $s (func (param i32 i32 i32)))
    (type $send (func (param i32 i32 i32 i32)))
    (type $close (func (param i32 i32)))
    (table (export "$imports") 5 5 funcref)
    (func (export "0") (type $s)
      (call_indirect (type $s) (local.get 0) (local.get 1) (local.get 2) (i32.const 0)))
    (func (export "1") (type $send)
      (call_indirect (type $send) (local.get 0) (local.get 1) (local.get 2) (local.get 3) (i32.const 1)))
    (func (export "2") (type $s)
      (call_indirect (type $s) (local.get 0) (local.get 1) (local.get 2) (i32.const 2)))
    (func (export "3") (type $close)
      (call_indirect (type $close) (local.get 0) (local.get 1) (i32.const 3)))
    (func (export "4") (type $s)
      (call_indirect (type $s) (local.get 0) (local.get 1) (local.get 2) (i32.const 4))))
  (core instance $shim-i (instantiate $shim))
  (alias core export $shim-i "0" (core func $shim-open))
  (alias core export $shim-i "1" (core func $shim-send))
  (alias core export $shim-i "2" (core func $shim-recv))
  (alias core export $shim-i "3" (core func $shim-close))
  (alias core export $shim-i "4" (core func $shim-request))
  (alias core export $shim-i "$imports" (core table $shim-table))
  (core instance $ws-i
    (export "open" (func $shim-open))
    (export "send-text" (func $shim-send))
    (export "recv" (func $shim-recv))
    (export "close" (func $shim-close)))
  (core module $m
    (import "yoi:host/websocket@1.0.0" "open" (func $open (param i32 i32 i32)))
    (import "yoi:host/websocket@1.0.0" "send-text" (func $send (param i32 i32 i32 i32)))
    (import "yoi:host/websocket@1.0.0" "recv" (func $recv (param i32 i32 i32)))
    (import "yoi:host/websocket@1.0.0" "close" (func $close (param i32 i32)))
    (memory (export "memory") 1)
    (global $bump (mut i32) (i32.const 1024))
    ;; Where `num` stopped: the first byte after the digits.
    (global $pos (mut i32) (i32.const 0))
    ;; realloc(old_ptr, old_size, align, new_size) -> ptr: a bump allocator that grows memory.
    (func $alloc (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32) (local $end i32) (local $have i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.const 7)) (i32.const -8)))
      (local.set $end (i32.add (local.get $p) (local.get 3)))
      (local.set $have (i32.shl (memory.size) (i32.const 16)))
      (if (i32.gt_u (local.get $end) (local.get $have))
        (then
          (if (i32.eq (memory.grow (i32.shr_u
                (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
                (i32.const 16))) (i32.const -1))
            (then unreachable))))
      (global.set $bump (local.get $end))
      (local.get $p))
    (func $copy (param $at i32) (param $src i32) (param $n i32) (result i32)
      (memory.copy (local.get $at) (local.get $src) (local.get $n))
      (i32.add (local.get $at) (local.get $n)))
    ;; The decimal number at $p (wrapping at 2^32); leaves $pos after its last digit.
    (func $num (param $p i32) (param $end i32) (result i32)
      (local $v i32) (local $c i32)
      (block $done
        (loop $digit
          (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $c (i32.sub (i32.load8_u (local.get $p)) (i32.const 48)))
          (br_if $done (i32.gt_u (local.get $c) (i32.const 9)))
          (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 10)) (local.get $c)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $digit)))
      (global.set $pos (local.get $p))
      (local.get $v))
    ;; Appends the answer at ($rp, $rl) to the output at $at, `"` and `\` escaped (its last 256
    ;; bytes when it is longer than 8192); returns the new end.
    (func $append (param $at i32) (param $rp i32) (param $rl i32) (result i32)
      (local $i i32) (local $c i32)
      (local.set $i (select (i32.sub (local.get $rl) (i32.const 256)) (i32.const 0)
        (i32.gt_u (local.get $rl) (i32.const 8192))))
      (block $done
        (loop $byte
          (br_if $done (i32.ge_u (local.get $i) (local.get $rl)))
          (local.set $c (i32.load8_u (i32.add (local.get $rp) (local.get $i))))
          (if (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 92)))
            (then
              (i32.store8 (local.get $at) (i32.const 92))
              (local.set $at (i32.add (local.get $at) (i32.const 1)))))
          (i32.store8 (local.get $at) (local.get $c))
          (local.set $at (i32.add (local.get $at) (i32.const 1)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $byte)))
      (local.get $at))
    ;; One op at [$s, $e): its host call leaves the answer's (ptr, len) at 8.
    (func $op (param $s i32) (param $e i32)
      (local $c i32) (local $h i32) (local $n i32) (local $p i32) (local $at i32)
      (local.set $c (i32.load8_u (local.get $s)))
      ;; O<url>: open with {"url":"<url>"}.
      (if (i32.eq (local.get $c) (i32.const 79))
        (then
          (local.set $n (i32.sub (local.get $e) (i32.add (local.get $s) (i32.const 1))))
          (local.set $p (call $alloc (i32.const 0) (i32.const 0) (i32.const 1)
            (i32.add (local.get $n) (i32.const 10))))
          (local.set $at (call $copy (local.get $p) (i32.const 64) (i32.const 8)))
          (local.set $at (call $copy (local.get $at) (i32.add (local.get $s) (i32.const 1)) (local.get $n)))
          (local.set $at (call $copy (local.get $at) (i32.const 48) (i32.const 2)))
          (call $open (local.get $p) (i32.sub (local.get $at) (local.get $p)) (i32.const 8))
          (return)))
      ;; J<json>: open with the JSON as written.
      (if (i32.eq (local.get $c) (i32.const 74))
        (then
          (call $open (i32.add (local.get $s) (i32.const 1))
            (i32.sub (local.get $e) (i32.add (local.get $s) (i32.const 1))) (i32.const 8))
          (return)))
      ;; Q<json>: request.request with the JSON as written.
      (if (i32.eq (local.get $c) (i32.const 81))
        (then
          ;; This guest imports no request interface.
          unreachable
          (return)))
      (local.set $h (call $num (i32.add (local.get $s) (i32.const 1)) (local.get $e)))
      ;; C<handle>: close.
      (if (i32.eq (local.get $c) (i32.const 67))
        (then
          (call $close (local.get $h) (i32.const 8))
          (return)))
      ;; After the handle, one space, then the op's argument.
      (local.set $p (i32.add (global.get $pos) (i32.const 1)))
      (if (i32.gt_u (local.get $p) (local.get $e)) (then (local.set $p (local.get $e))))
      ;; S<handle> <text>: send-text.
      (if (i32.eq (local.get $c) (i32.const 83))
        (then
          (call $send (local.get $h) (local.get $p) (i32.sub (local.get $e) (local.get $p)) (i32.const 8))
          (return)))
      ;; X<handle> <n>: send-text of n `x` bytes.
      (if (i32.eq (local.get $c) (i32.const 88))
        (then
          (local.set $n (call $num (local.get $p) (local.get $e)))
          (local.set $p (call $alloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $n)))
          (memory.fill (local.get $p) (i32.const 120) (local.get $n))
          (call $send (local.get $h) (local.get $p) (local.get $n) (i32.const 8))
          (return)))
      ;; R<handle> <timeout_ms>: recv.
      (if (i32.eq (local.get $c) (i32.const 82))
        (then
          (call $recv (local.get $h) (call $num (local.get $p) (local.get $e)) (i32.const 8))
          (return)))
      ;; Anything else is a mistake in the case.
      unreachable)
    ;; call(tool_ptr, tool_len, input_ptr, input_len) -> pointer to (ptr, len)
    (func (export "call") (param $tp i32) (param $tl i32) (param $ip i32) (param $il i32) (result i32)
      (local $ops i32) (local $end i32) (local $i i32) (local $c i32)
      (local $buf i32) (local $content i32) (local $at i32) (local $count i32)
      (local $mark i32) (local $s i32) (local $d i32) (local $n i32) (local $head i32)
      ;; The ops: the bytes between {"ops":" and the final "}, with \" and \\ undone.
      (local.set $ops (call $alloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $il)))
      (local.set $end (local.get $ops))
      (local.set $i (i32.add (local.get $ip) (i32.const 8)))
      (block $done
        (loop $byte
          (br_if $done (i32.ge_u (local.get $i) (i32.sub (i32.add (local.get $ip) (local.get $il)) (i32.const 2))))
          (local.set $c (i32.load8_u (local.get $i)))
          (if (i32.eq (local.get $c) (i32.const 92))
            (then
              (local.set $c (i32.load8_u (i32.add (local.get $i) (i32.const 1))))
              (if (i32.or (i32.eq (local.get $c) (i32.const 34)) (i32.eq (local.get $c) (i32.const 92)))
                (then (local.set $i (i32.add (local.get $i) (i32.const 1))))
                (else (local.set $c (i32.const 92))))))
          (i32.store8 (local.get $end) (local.get $c))
          (local.set $end (i32.add (local.get $end) (i32.const 1)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $byte)))
      ;; The output: room for its head before the content, then every answer escaped.
      (local.set $buf (call $alloc (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 196608)))
      (local.set $content (i32.add (local.get $buf) (i32.const 64)))
      (local.set $at (local.get $content))
      ;; Past the ops and the output: every op reuses the memory from here on.
      (local.set $mark (global.get $bump))
      (local.set $s (local.get $ops))
      (local.set $i (local.get $ops))
      (block $last
        (loop $next
          (if (i32.or (i32.ge_u (local.get $i) (local.get $end))
                      (i32.eq (i32.load8_u (local.get $i)) (i32.const 124)))
            (then
              (if (i32.gt_u (local.get $i) (local.get $s))
                (then
                  (global.set $bump (local.get $mark))
                  (call $op (local.get $s) (local.get $i))
                  (if (local.get $count)
                    (then
                      (i32.store8 (local.get $at) (i32.const 59))
                      (local.set $at (i32.add (local.get $at) (i32.const 1)))))
                  (local.set $at (call $append (local.get $at) (i32.load (i32.const 8)) (i32.load (i32.const 12))))
                  ;; A case that overflows the output buffer is a mistake in the case.
                  (if (i32.gt_u (local.get $at) (i32.add (local.get $buf) (i32.const 196600)))
                    (then unreachable))
                  (local.set $count (i32.add (local.get $count) (i32.const 1)))))
              (br_if $last (i32.ge_u (local.get $i) (local.get $end)))
              (local.set $s (i32.add (local.get $i) (i32.const 1)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $next)))
      ;; The head, written right before the content: {"summary":"<count>","content":"
      (local.set $n (local.get $count))
      (local.set $d (i32.const 128))
      (loop $digit
        (local.set $d (i32.sub (local.get $d) (i32.const 1)))
        (i32.store8 (local.get $d) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
        (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
        (br_if $digit (local.get $n)))
      (local.set $n (i32.sub (i32.const 128) (local.get $d)))
      (local.set $head (i32.sub (local.get $content) (i32.add (local.get $n) (i32.const 25))))
      (drop (call $copy
        (call $copy
          (call $copy (local.get $head) (i32.const 16) (i32.const 12))
          (local.get $d) (local.get $n))
        (i32.const 32) (i32.const 13)))
      (local.set $at (call $copy (local.get $at) (i32.const 48) (i32.const 2)))
      (i32.store (i32.const 0) (local.get $head))
      (i32.store (i32.const 4) (i32.sub (local.get $at) (local.get $head)))
      (i32.const 0))
    (data (i32.const 16) "{\22summary\22:\22")
    (data (i32.const 32) "\22,\22content\22:\22")
    (data (i32.const 48) "\22}")
    (data (i32.const 64) "{\22url\22:\22"))
  (core instance $i (instantiate $m
    (with "yoi:host/websocket@1.0.0" (instance $ws-i))))
  (alias core export $i "memory" (core memory $mem))
  (alias core export $i "realloc" (core func $realloc))
  (core func $lowered-open (canon lower (func $open-fn) (memory $mem) (realloc $realloc) string-encoding=utf8))
  (core func $lowered-send (canon lower (func $send-fn) (memory $mem) (realloc $realloc) string-encoding=utf8))
  (core func $lowered-recv (canon lower (func $recv-fn) (memory $mem) (realloc $realloc) string-encoding=utf8))
  (core func $lowered-close (canon lower (func $close-fn) (memory $mem) (realloc $realloc) string-encoding=utf8))
  ;; The fixup: puts the lowered imports into the shim's table.
  (core module $fixup
    (type $s (func (param i32 i32 i32)))
    (type $send (func (param i32 i32 i32 i32)))
    (type $close (func (param i32 i32)))
    (import "" "0" (func (type $s)))
    (import "" "1" (func (type $send)))
    (import "" "2" (func (type $s)))
    (import "" "3" (func (type $close)))
    (import "" "$imports" (table 5 5 funcref))
    (elem (i32.const 0) func 0 1 2 3))
  (core instance $fixup-args
    (export "0" (func $lowered-open))
    (export "1" (func $lowered-send))
    (export "2" (func $lowered-recv))
    (export "3" (func $lowered-close))
    (export "$imports" (table $shim-table)))
  (core instance (instantiate $fixup (with "" (instance $fixup-args))))
  (alias core export $i "call" (core func $call))
  (type $call-t (func (param "tool-name" string) (param "input-json" string) (result string)))
  (func (export "call") (type $call-t)
    (canon lift (core func $call) (memory $mem) (realloc $realloc)))
)

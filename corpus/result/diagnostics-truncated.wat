;;! id = "result.diagnostics-truncated"
;;! guarantee = "RES-04"
;;! since = "0.1.0"
;;! summary = "diagnostic_bytes = 64 and 100 writes of 10 bytes"
;;! capabilities = ["diagnostics"]
;;! [limits]
;;! diagnostic_bytes = 64
;;! [expect]
;;! output = { summary = "diagnostics written" }
;;! diagnostics = "0123456789012345678901234567890123456789012345678901234567890123\n[truncated 936 bytes]"
;;! min_host_calls = { diagnostic_write = 100 }
;; 1000 bytes against a 64-byte cap: the sink gets the first 64 bytes and the marker for the 936
;; dropped. Every write still returns normally and the call succeeds.
(module
  (import "yoi:tool" "diagnostic_write" (func $diagnostic_write (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write"     (func $output_write     (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "0123456789")
  (data (i32.const 64) "{\"summary\":\"diagnostics written\"}")
  (func (export "yoi_tool_call")
    (local $i i32)
    (loop $again
      (drop (call $diagnostic_write (i32.const 0) (i32.const 10)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $again (i32.lt_u (local.get $i) (i32.const 100))))
    (drop (call $output_write (i32.const 64) (i32.const 33)))))

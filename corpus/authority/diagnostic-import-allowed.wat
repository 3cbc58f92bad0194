;;! id = "authority.diagnostic-import-allowed"
;;! guarantee = "AUTH-05"
;;! since = "0.1.0"
;;! summary = "imports diagnostic_write without calling it; a runtime declaring diagnostics must link it"
;;! capabilities = ["diagnostics"]
;;! [expect]
;;! output = { summary = "linked" }
;; Toolchain glue imports a logging function whether or not a given call logs. With the capability
;; declared, the import is part of the ABI and the call succeeds normally.
(module
  (import "yoi:tool" "diagnostic_write" (func $diagnostic_write (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when diagnostic_write is linked.
  (data (i32.const 0) "{\"summary\":\"linked\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 20)))))

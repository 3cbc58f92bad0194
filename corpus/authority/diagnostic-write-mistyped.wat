;;! id = "authority.diagnostic-write-mistyped"
;;! guarantee = "AUTH-04"
;;! since = "0.1.0"
;;! summary = "with the diagnostics capability, imports diagnostic_write with one parameter"
;;! capabilities = ["diagnostics"]
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["yoi:tool::diagnostic_write"] }
;; The capability makes the name allowed, not any type: (param i32) (result i32) is not the
;; extension's [i32 i32] -> [i32].
(module
  (import "yoi:tool" "diagnostic_write" (func $diagnostic_write (param i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 27)))))

;;! id = "authority.module-name-lookalike"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports input_len from \"yoi:Tool\" and output_write from \"yoi:tool \" (trailing space)"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["yoi:Tool::input_len", "yoi:tool ::output_write"] }
;; Right function names and types under module names that only look right. Module names compare byte
;; for byte: a case-insensitive or trimming comparison links them.
(module
  ;; Look-alike module names: capital T, and a trailing space.
  (import "yoi:Tool" "input_len" (func $input_len (result i32)))
  (import "yoi:tool " "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; If the runtime links the imports, this output comes back instead of import_denied.
  (data (i32.const 0) "{\"summary\":\"the guest used an import it should not have\"}")
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    (drop (call $output_write (i32.const 0) (i32.const 57)))))

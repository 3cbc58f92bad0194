;;! id = "authority.allowed-name-as-global"
;;! guarantee = "AUTH-03"
;;! since = "0.1.0"
;;! summary = "imports yoi:tool input_len as an i32 global instead of a function"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["yoi:tool::input_len"] }
;; The module and name are allowed; the kind is not. A check of module and name alone lets the
;; import through to the linker, which then fails without naming it (or, in a runtime that
;; provides such a global, hands the guest state it was never meant to have).
(module
  (import "yoi:tool" "input_len" (global $input_len i32))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"linked a global\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (global.get $input_len)))))

;;! id = "authority.mistyped-imports"
;;! guarantee = "AUTH-04"
;;! since = "0.1.0"
;;! summary = "input_len returning i64, output_write without result, tool_name_read taking i64s"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["yoi:tool::input_len", "yoi:tool::output_write", "yoi:tool::tool_name_read"], count = 3 }
;; Each name is allowed and each type is wrong. A runtime that checks names only would link them
;; with mismatched types (a link error at best, a host reading garbage at worst). The correctly
;; typed input_read between them is not listed.
(module
  ;; Wrong types for allowed names (the ABI types are in guarantees.toml, AUTH-04):
  (import "yoi:tool" "input_len" (func $input_len (result i64)))
  (import "yoi:tool" "input_read" (func $input_read (param i32 i32) (result i32)))
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32)))
  (import "yoi:tool" "tool_name_read" (func $tool_name_read (param i64 i64) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"the guest ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    (call $output_write (i32.const 0) (i32.const 27))))

;;! id = "authority.allowed-name-prefix"
;;! guarantee = "AUTH-01"
;;! since = "0.1.0"
;;! summary = "imports yoi:tool input_len_v2 and output_writ: an allowed name plus a suffix, and one cut short"
;;! [expect]
;;! code = "import_denied"
;;! details = { imports = ["yoi:tool::input_len_v2", "yoi:tool::output_writ"] }
;; Import names compare whole. A prefix match (in either direction) accepts one of the two.
(module
  (import "yoi:tool" "input_len_v2" (func $input_len (result i32)))
  (import "yoi:tool" "output_writ" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "{\"summary\":\"linked by prefix\"}")
  (func (export "yoi_tool_call")
    (drop (call $input_len))
    (drop (call $output_write (i32.const 0) (i32.const 30)))))

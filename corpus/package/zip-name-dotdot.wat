;;! id = "package.zip-name-dotdot"
;;! guarantee = "PKG-10"
;;! since = "0.1.0"
;;! summary = "the archive holds an entry with a '..' component"
;;! capabilities = ["package_zip"]
;;! [zip]
;;! [[zip.entry]]
;;! name = "lib/../../evil.txt"
;;! text = "x"
;;! [expect]
;;! code = "path_escape"
;; An entry name follows the path rules of runtime.entry: a '..' component: an extractor writes it above the package.
;; The entry is not the module and is never read as one; the name alone refuses the package.
(module
  (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; The result this guest returns when its package loads.
  (data (i32.const 0) "{\"summary\":\"loaded and ran\"}")
  (func (export "yoi_tool_call")
    (drop (call $output_write (i32.const 0) (i32.const 28)))))

;;! id = "package.same-id-trapping-module"
;;! guarantee = "PKG-02"
;;! since = "0.1.0"
;;! summary = "a working package was loaded first; this one has the same plugin id and manifest and its module traps"
;;! [package]
;;! warm_up = true
;;! warm_up_module = '''
;;! (module
;;!   (import "yoi:tool" "output_write" (func $output_write (param i32 i32) (result i32)))
;;!   (memory (export "memory") 1)
;;!   (data (i32.const 0) "{\"summary\":\"the working module loaded first\"}")
;;!   (func (export "yoi_tool_call")
;;!     (drop (call $output_write (i32.const 0) (i32.const 45)))))
;;! '''
;;! [expect]
;;! code = "trap"
;;! details = { trap = "unreachable" }
;; The second case of package.same-id-other-module, from the other side: the module selected by a
;; cache keyed by plugin id would succeed where this package's own module traps. A new version of
;; a plugin under the same id must run, failures included.
(module
  (memory (export "memory") 1)
  (func (export "yoi_tool_call")
    (unreachable)))

# CTest hw_contract_vh: regenerates nic_hw.vh from nic_hw.h and compares it with the committed one.
execute_process(COMMAND ${GEN} ${OUT} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "nicsim-gen-hw-vh failed (${rc})")
endif()
file(READ ${WANT} want)
file(READ ${OUT} got)
if(NOT want STREQUAL got)
  message(FATAL_ERROR "rtl/nic_hw.vh differs from what rtl/nic_hw.h generates: "
                      "run 'cmake --build build --target regen-hw-vh' and commit it")
endif()
message(STATUS "rtl/nic_hw.vh matches rtl/nic_hw.h")

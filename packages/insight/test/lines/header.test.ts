import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileHeaderFormat, splitHeader } from '@holdfast/insight';

const cases: [string, string, string, number][] = [
  // line, header, message, level
  [
    '2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1',
    '2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster:',
    'Created MRAppMaster for application appattempt_1',
    30,
  ],
  [
    '2015-10-18 18:01:51,775 INFO [Socket Reader #1 for port 62260] org.apache.hadoop.ipc.Server: Starting Socket Reader #1',
    '2015-10-18 18:01:51,775 INFO [Socket Reader #1 for port 62260] org.apache.hadoop.ipc.Server:',
    'Starting Socket Reader #1',
    30,
  ],
  [
    '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating',
    '081109 203615 148 INFO dfs.DataNode$PacketResponder:',
    'PacketResponder 1 for block blk_38865049064139660 terminating',
    30,
  ],
  [
    '17/06/09 20:10:40 WARN executor.CoarseGrainedExecutorBackend: Registered signal handlers',
    '17/06/09 20:10:40 WARN executor.CoarseGrainedExecutorBackend:',
    'Registered signal handlers',
    40,
  ],
  [
    '03-17 16:13:38.811  1702  2395 E WindowManager: printFreezingDisplayLogs',
    '03-17 16:13:38.811  1702  2395 E WindowManager:',
    'printFreezingDisplayLogs',
    50,
  ],
  [
    'Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0',
    'Jun 14 15:16:01 combo sshd(pam_unix)[19939]:',
    'authentication failure; logname= uid=0',
    -1,
  ],
  [
    'Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]: IOThunderboltSwitch<0>(0x0)::listenerCallback',
    'Jul  1 09:00:55 calvisitor-10-105-160-95 kernel[0]:',
    'IOThunderboltSwitch<0>(0x0)::listenerCallback',
    -1,
  ],
  [
    '- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO ' +
      'instruction cache parity error corrected',
    '- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO',
    'instruction cache parity error corrected',
    30,
  ],
  [
    '2024-01-01 12:00:00,123 - shop.orders - ERROR - payment declined for order 42',
    '2024-01-01 12:00:00,123 - shop.orders - ERROR -',
    'payment declined for order 42',
    50,
  ],
  ['2024/01/01 00:00:00 [error] 123#0: *1 connect() failed', '2024/01/01 00:00:00 [error] 123#0:', '*1 connect() failed', 50],
  ['2009/11/10 23:00:00 listening on :8080', '2009/11/10 23:00:00', 'listening on :8080', -1],
  ['2024-05-01T10:00:00.123Z warn: disk 91% full', '2024-05-01T10:00:00.123Z warn:', 'disk 91% full', 40],
  [
    'I0501 10:00:00.123456    4321 controller.go:123] Reconciling pod',
    'I0501 10:00:00.123456    4321 controller.go:123]',
    'Reconciling pod',
    30,
  ],
  ['no header at all, an ERROR in prose', '', 'no header at all, an ERROR in prose', -1],
  // A line that starts with its level (the supervisor or journald adds the time): level read, message whole.
  ['ERROR Connection refused to db-1:5432', '', 'ERROR Connection refused to db-1:5432', 50],
  ['[warn] disk 91% full', '', '[warn] disk 91% full', 40],
  ['error: cannot open config', '', 'error: cannot open config', 50],
  ['Error: ENOENT: no such file or directory', '', 'Error: ENOENT: no such file or directory', 50],
  ['Info about things', '', 'Info about things', -1],
];

test('plain headers are found and set aside: timestamp, host, pid, level, thread, logger', () => {
  for (const [line, header, message, level] of cases) assert.deepEqual(splitHeader(line), { header, message, level }, line);
});

test('a configured header format (logpai notation) sets the header aside and reads <Level>', () => {
  const f = compileHeaderFormat('<Date> <Time> <Pid> <Level> <Component>: <Content>');
  assert.deepEqual(f('081109 203615 148 WARN dfs.DataNode: disk slow: 12 ms'), {
    header: '081109 203615 148 WARN dfs.DataNode:',
    message: 'disk slow: 12 ms',
    level: 40,
  });
  assert.deepEqual(f('does not fit'), { header: '', message: 'does not fit', level: -1 });
  assert.throws(() => compileHeaderFormat('<Date> <Time>'), /needs a <Content> field/);
});

// keepalived (VRRP) as the drill's peer, run in the very same topology so the two are measured
// side by side: one vrrp_instance per node on eth0, default advert_int 1 s, priorities 100/99/98,
// the same VIP. keepalived runs two processes (parent and VRRP child) in a process group of its
// own; its faults hit the whole group, as an operator's `kill -9 keepalived` would.
import { drillNet } from './profiles.ts';

export function keepalivedConfig(node: string, priority: number): string {
  return `global_defs {
  router_id ${node}
  script_user root
  enable_script_security
}
vrrp_instance drill {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority ${priority}
  advert_int 1
  virtual_ipaddress {
    ${drillNet.vip}/${drillNet.prefix} dev eth0
  }
}
`;
}

export function keepalivedArgs(configPath: string, dir: string, node: string): string[] {
  return ['-n', '-l', '-D', '-P', '-f', configPath, '-p', `${dir}/${node}-keepalived.pid`, '-r', `${dir}/${node}-vrrp.pid`];
}
